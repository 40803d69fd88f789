// The console's one realtime connection while signed in: follows every family channel the user may see into an EventLog; pages add their own channels on it.
import { RealtimeClient } from '@millrace/platform/realtime-client';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { api, ApiError, errorText } from '../api/http.ts';
import { useSession } from '../auth/session.tsx';
import { EventLog, type LiveEvent, type LogSnapshot } from './event-log.ts';

/** What `GET /api/realtime/channels` lists: channels the signed-in user may follow. */
export interface ChannelInfo {
  readonly topic: string;
  /** The whole topic may be followed (not only `<topic>:<key>`). */
  readonly family: boolean;
  readonly keyed: boolean;
}

export type ChannelState =
  | { readonly topic: string; readonly status: 'subscribing' }
  | { readonly topic: string; readonly status: 'subscribed'; readonly recovered: boolean; readonly replayed: number }
  | { readonly topic: string; readonly status: 'refused'; readonly detail: string };

export interface ConnectionState {
  readonly state: 'connecting' | 'open' | 'reconnecting' | 'closed';
  readonly attempt: number;
  readonly lastError?: string | undefined;
  /** True once the connection came back after a drop (positions were sent; missed events replayed). */
  readonly resumed: boolean;
  /** How many times it came back. */
  readonly resumes: number;
  /** After a resume: whether every channel replayed all it missed (false: some history was gone). */
  readonly recovered?: boolean | undefined;
  readonly replayed: number;
}

/** Called with every event the shared family subscription of a topic receives. */
export type TopicListener = (event: LiveEvent) => void;

interface LiveValue {
  readonly log: EventLog;
  /** The shared connection, for pages that follow one aggregate (`ledger:<id>`); null until opened. */
  readonly client: RealtimeClient | null;
  /** Listens to the events of a topic the console follows as a whole; returns the function that stops it. */
  onTopicEvent(topic: string, listener: TopicListener): () => void;
  readonly connection: ConnectionState;
  readonly channels: readonly ChannelState[];
  /** Set when the channel list could not be loaded. */
  readonly channelsError: string | null;
}

const LiveContext = createContext<LiveValue | null>(null);

const initial: ConnectionState = { state: 'connecting', attempt: 0, resumed: false, resumes: 0, replayed: 0 };

/** Opens the connection and subscriptions for the signed-in user; closes them when unmounted (sign out). */
export function LiveProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const log = useMemo(() => new EventLog({ capacity: 500 }), []);
  const [connection, setConnection] = useState<ConnectionState>(initial);
  const [channels, setChannels] = useState<readonly ChannelState[]>([]);
  const [channelsError, setChannelsError] = useState<string | null>(null);
  const [client, setClient] = useState<RealtimeClient | null>(null);
  const listeners = useMemo(() => new Map<string, Set<TopicListener>>(), []);
  const { expired } = session;

  useEffect(() => {
    const client = new RealtimeClient({ url: '/realtime' });
    setClient(client);
    let dropped = false;
    let stopped = false;
    const subs: { unsubscribe(): void }[] = [];

    client.onStatus((s) => {
      if (s.state === 'reconnecting') dropped = true;
      // the gateway refused the credentials (close 4001): if the session ended, go back to the sign-in form
      if (s.state === 'closed' && !stopped) {
        api('/api/identity/me').catch((err: unknown) => {
          if (!stopped && err instanceof ApiError && err.status === 401) expired();
        });
      }
      const back = dropped && s.state === 'open';
      setConnection((c) => ({
        state: s.state,
        attempt: s.attempt,
        lastError: s.lastError,
        resumed: c.resumed || back,
        resumes: c.resumes + (back ? 1 : 0),
        // a new drop starts a new resume: its recovery is known once the channels answer again
        recovered: s.state === 'reconnecting' ? undefined : c.recovered,
        replayed: s.state === 'reconnecting' ? 0 : c.replayed,
      }));
    });

    const setChannel = (next: ChannelState) => setChannels((list) => list.map((c) => (c.topic === next.topic ? next : c)));

    api<{ items: ChannelInfo[] }>('/api/realtime/channels')
      .then(({ items }) => {
        if (stopped) return;
        const families = items.filter((c) => c.family);
        setChannels(families.map((c) => ({ topic: c.topic, status: 'subscribing' })));
        for (const { topic } of families) {
          subs.push(
            client.subscribe(topic, {
              onEvent: (event: LiveEvent, meta: { channel: string; partition: number; position: string }) => {
                log.add({ event, channel: meta.channel, topic, partition: meta.partition, position: meta.position, receivedAt: Date.now() });
                for (const l of listeners.get(topic) ?? []) l(event);
              },
              onSubscribed: (info: { recovered: boolean; replayed: number }) => {
                setChannel({ topic, status: 'subscribed', recovered: info.recovered, replayed: info.replayed });
                if (dropped) {
                  setConnection((c) => ({ ...c, recovered: (c.recovered ?? true) && info.recovered, replayed: c.replayed + info.replayed }));
                }
              },
              onError: (e: { status: number; code: string; detail: string }) => setChannel({ topic, status: 'refused', detail: `${e.detail} (${e.code})` }),
            }),
          );
        }
      })
      .catch((err: unknown) => {
        if (stopped) return;
        if (err instanceof ApiError && err.status === 401) expired();
        else setChannelsError(errorText(err));
      });

    return () => {
      stopped = true;
      for (const s of subs) s.unsubscribe();
      client.close();
      setClient(null);
    };
  }, [log, listeners, expired]);

  const onTopicEvent = useCallback(
    (topic: string, listener: TopicListener) => {
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    [listeners],
  );

  const value = useMemo(
    () => ({ log, client, onTopicEvent, connection, channels, channelsError }),
    [log, client, onTopicEvent, connection, channels, channelsError],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveValue {
  const v = useContext(LiveContext);
  if (!v) throw new Error('useLive outside LiveProvider');
  return v;
}

/** The log's snapshot, re-rendering at most every `intervalMs` however fast events arrive. */
export function useLogSnapshot(log: EventLog, intervalMs = 100): LogSnapshot {
  const subscribe = useMemo(
    () => (onChange: () => void) => {
      let timer: number | undefined;
      const off = log.subscribe(() => {
        timer ??= window.setTimeout(() => {
          timer = undefined;
          onChange();
        }, intervalMs);
      });
      return () => {
        off();
        window.clearTimeout(timer);
      };
    },
    [log, intervalMs],
  );
  return useSyncExternalStore(subscribe, () => log.snapshot());
}
