// Follows one realtime channel (e.g. `ledger:<accountId>`) on the console's shared connection while a component is mounted.
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { LiveEvent } from './event-log.ts';
import { useLive } from './live-connection.tsx';

export interface ChannelCallbacks {
  onEvent(event: LiveEvent): void;
  /** After every (re)subscription; `recovered: false`: events were missed for good, reload over REST. */
  onSubscribed?(info: { recovered: boolean; replayed: number }): void;
  /** The gateway refused the channel (403, 404); it is not retried. */
  onError?(error: { status: number; code: string; detail: string }): void;
}

/**
 * Subscribes to `channel` (none while null) and unsubscribes on unmount or when it changes. The callbacks may change
 * on every render: the latest ones are called.
 * @example useChannel(`ledger:${account.id}`, { onEvent: apply, onSubscribed: ({ recovered }) => recovered || reload() })
 */
export function useChannel(channel: string | null, callbacks: ChannelCallbacks): void {
  const { client } = useLive();
  const latest = useRef(callbacks);
  useLayoutEffect(() => {
    latest.current = callbacks;
  });

  useEffect(() => {
    if (!client || !channel) return;
    const sub = client.subscribe(channel, {
      onEvent: (event) => latest.current.onEvent(event),
      onSubscribed: (info) => latest.current.onSubscribed?.(info),
      onError: (error) => latest.current.onError?.(error),
    });
    return () => sub.unsubscribe();
  }, [client, channel]);
}
