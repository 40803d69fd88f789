// The realtime connection's state as a badge: connecting, connected, reconnecting (attempt n), resumed (recovered or not), closed.
import type { ConnectionState } from './live-connection.tsx';

export function ConnectionBadge({ connection }: { connection: ConnectionState }) {
  const { state, attempt, lastError, resumed, resumes, recovered, replayed } = connection;
  const shown = state === 'open' ? (resumed ? 'resumed' : 'connected') : state;
  const text =
    shown === 'connecting'
      ? 'Connecting…'
      : shown === 'connected'
        ? 'Connected'
        : shown === 'resumed'
          ? `Resumed${recovered === undefined ? '' : recovered ? ` · recovered, ${replayed} replayed` : ' · not recovered'}`
          : shown === 'reconnecting'
            ? `Reconnecting${attempt > 1 ? ` (attempt ${attempt})` : ''}…`
            : 'Disconnected';
  return (
    <span
      className={`badge badge-${shown}`}
      role="status"
      aria-live="polite"
      data-testid="connection-status"
      data-state={shown}
      data-recovered={recovered === undefined ? undefined : String(recovered)}
      data-replayed={resumed ? replayed : undefined}
      data-resumes={resumes}
      title={lastError ? `Last error: ${lastError}` : undefined}
    >
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
