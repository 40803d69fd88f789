// The customer's notifications inbox (`/api/notifications/inbox`): newest messages and the unread count, live on the `notifications` channel.
import { useCallback, useEffect, useId, useState } from 'react';
import { api, ApiError } from '../api/http.ts';
import { useLive } from '../live/live-connection.tsx';

interface Message {
  readonly id: string;
  readonly orderId: string;
  readonly title: string;
  readonly body: string;
  readonly read: boolean;
  readonly createdAt: string;
}

const SHOWN = 8;

export function Inbox() {
  const { channels, onTopicEvent } = useLive();
  const [messages, setMessages] = useState<readonly Message[] | undefined>(undefined);
  const [unread, setUnread] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useId();

  const reload = useCallback(() => {
    api<{ items: Message[]; unread: number }>(`/api/notifications/inbox?limit=${SHOWN}`)
      .then((r) => {
        setMessages(r.items);
        setUnread(r.unread);
        setError(null);
      })
      .catch((err: unknown) => setError(err instanceof ApiError ? err.detail : String(err)));
  }, []);

  // a message is delivered in-app by `notifications.notification-created` on the owner's channel
  useEffect(
    () =>
      onTopicEvent('notifications', (e) => {
        if (e.type !== 'notifications.notification-created') return;
        const d = e.data as { notificationId: string; orderId: string; title: string; body: string; createdAt: string };
        setMessages((list) => (list?.some((m) => m.id === d.notificationId) ? list : [{ id: d.notificationId, orderId: d.orderId, title: d.title, body: d.body, read: false, createdAt: d.createdAt }, ...(list ?? [])].slice(0, SHOWN)));
        setUnread((n) => n + 1);
      }),
    [onTopicEvent],
  );
  const channel = channels.find((c) => c.topic === 'notifications');
  useEffect(() => {
    if (channel?.status !== 'subscribing') reload();
  }, [channel, reload]);

  const readAll = async () => {
    setBusy(true);
    try {
      await api<void>('/api/notifications/inbox/read-all', { method: 'POST', body: {} });
      setMessages((list) => list?.map((m) => ({ ...m, read: true })));
      setUnread(0);
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card inbox" aria-labelledby={heading} data-testid="inbox">
      <div className="section-head">
        <h2 id={heading}>
          Messages{' '}
          <span className="badge" data-testid="unread-count" data-count={unread}>
            {unread} unread
          </span>
        </h2>
        <button type="button" onClick={() => void readAll()} disabled={busy || unread === 0}>
          Mark all read
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          Could not load your messages: {error}
        </p>
      )}
      {messages?.length === 0 && <p className="muted small">No messages yet: we write when an order moves.</p>}
      <ul className="messages" aria-live="polite">
        {messages?.map((m) => (
          <li key={m.id} className={m.read ? undefined : 'unread'} data-testid="message" data-order-id={m.orderId}>
            <strong>{m.title}</strong> <span>{m.body}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
