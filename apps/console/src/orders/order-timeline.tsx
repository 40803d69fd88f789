// An order's steps as a compact timeline: placed → reserved → paid → confirmed → shipped → delivered, or where it stopped and why.
import type { HistoryStep, OrderStatus } from './order-types.ts';
import { STATUS_HINT, STATUS_LABEL, timeline } from './order-status.ts';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function OrderTimeline({ status, steps }: { status: OrderStatus; steps: readonly Pick<HistoryStep, 'status' | 'at'>[] }) {
  return (
    <ol className="timeline" aria-label="Progress" data-testid="timeline">
      {timeline(status, steps).map((s) => (
        <li
          key={s.status}
          className={`step step-${s.state}`}
          data-testid="timeline-step"
          data-step={s.status}
          data-done={s.state === 'done' || s.state === 'current' || s.state === 'failed'}
          aria-current={s.state === 'current' ? 'step' : undefined}
          title={`${STATUS_LABEL[s.status]}: ${STATUS_HINT[s.status]}`}
        >
          <span className="step-dot" aria-hidden="true" />
          <span className="step-label">
            {STATUS_LABEL[s.status]}
            <span className="visually-hidden">{s.state === 'ahead' ? ' (not yet)' : s.state === 'current' ? ' (now)' : s.state === 'failed' ? ' (ended here)' : ' (done)'}</span>
          </span>
          {s.at && (
            <time className="step-time" dateTime={s.at}>
              {time.format(new Date(s.at))}
            </time>
          )}
        </li>
      ))}
    </ol>
  );
}
