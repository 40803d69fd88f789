// Fraud review: the held-transfer queue with the rule versions that fired, approve / reject with a note, audit trails, the rules.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, errorText } from '../api/http.ts';
import { useSession } from '../auth/session.tsx';
import { ConnectionBadge } from '../live/connection-badge.tsx';
import { useLive } from '../live/live-connection.tsx';
import { formatMoney } from '../wallet/money.ts';
import { shortId } from '../ui/short-id.ts';
import { AuditTrail } from './audit-trail.tsx';
import { FraudRules } from './fraud-rules.tsx';
import { decide, fraudRules, heldTransfers, QUEUE_CAP, type FiredRule, type HeldTransfer } from './review-api.ts';
import { useResource } from './use-resource.ts';

/** Events on topic `ledger` after which the queue is read again. */
const QUEUE_EVENTS = new Set(['ledger.transfer-held', 'ledger.review-decided', 'ledger.transfer-voided', 'ledger.transfer-rejected']);

/** A decision seen by this page (made here or pushed live). */
interface Decided {
  readonly transferId: string;
  readonly decision: 'approved' | 'rejected';
  readonly analystId: string;
  readonly note: string;
  readonly rules: readonly FiredRule[];
  readonly amount?: string;
  readonly currency?: string;
}

export function ReviewPage() {
  const { connection, channels, onTopicEvent } = useLive();
  const queue = useResource(heldTransfers);
  const rules = useResource(fraudRules);
  const [decided, setDecided] = useState<readonly Decided[]>([]);
  const known = useRef(new Map<string, HeldTransfer>());
  for (const h of queue.value ?? []) known.current.set(h.transfer.id, h);

  const addDecided = useCallback((d: Decided) => setDecided((list) => [d, ...list.filter((x) => x.transferId !== d.transferId)].slice(0, 20)), []);
  const { reload: reloadQueue } = queue;
  const { reload: reloadRules } = rules;

  // live: staff follow the whole `ledger` topic on the shared connection; bursts are read once
  useEffect(() => {
    let timer: number | undefined;
    const off = onTopicEvent('ledger', (e) => {
      if (e.type === 'ledger.fraud-rule-changed') reloadRules();
      if (e.type === 'ledger.review-decided') {
        const d = e.data as Omit<Decided, 'amount' | 'currency'>;
        const held = known.current.get(d.transferId);
        addDecided({ ...d, ...(held ? { amount: held.transfer.amount, currency: held.transfer.currency } : {}) });
      }
      if (QUEUE_EVENTS.has(e.type)) {
        window.clearTimeout(timer);
        timer = window.setTimeout(reloadQueue, 150);
      }
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [onTopicEvent, reloadQueue, reloadRules, addDecided]);

  // every (re)subscription of the topic: what the queue was read from may predate it, so read again
  const ledgerChannel = channels.find((c) => c.topic === 'ledger');
  useEffect(() => {
    if (ledgerChannel?.status === 'subscribed') {
      reloadQueue();
      reloadRules();
    }
  }, [ledgerChannel, reloadQueue, reloadRules]);

  const items = queue.value ?? [];
  const live = ledgerChannel?.status === 'subscribed';

  return (
    <div className="page review-page">
      <header className="page-head">
        <h1>Fraud review</h1>
        <span className="badge" data-testid="held-count" data-count={items.length}>
          {queue.value === undefined ? '…' : items.length >= QUEUE_CAP ? `${QUEUE_CAP}+ held (the oldest ${QUEUE_CAP} shown)` : `${items.length} held`}
        </span>
        <ConnectionBadge connection={connection} />
        <div className="spacer" />
        <button type="button" onClick={() => { reloadQueue(); reloadRules(); }} disabled={queue.loading}>
          Refresh
        </button>
      </header>
      {ledgerChannel?.status === 'refused' && (
        <p className="notice" role="status">
          Not live ({ledgerChannel.detail}): the queue refreshes after your decisions and on Refresh.
        </p>
      )}
      {!ledgerChannel && channels.length > 0 && (
        <p className="notice" role="status">
          The ledger channel is not available to you: the queue refreshes after your decisions and on Refresh.
        </p>
      )}

      <section aria-labelledby="queue-h" aria-busy={queue.loading}>
        <h2 id="queue-h" className="section-title">
          Held transfers <span className="muted small">{live ? 'live, oldest first' : 'oldest first'}</span>
        </h2>
        {queue.error && (
          <p className="error" role="alert">
            Could not load the queue: {queue.error}
          </p>
        )}
        {queue.value !== undefined && items.length === 0 && (
          <p className="card empty" data-testid="queue-empty">
            Nothing to review: no transfer is held.
          </p>
        )}
        <ul className="reviews">
          {items.map((h) => (
            <ReviewItem key={h.transfer.id} held={h} onDecided={(d) => { addDecided(d); reloadQueue(); }} onStale={reloadQueue} />
          ))}
        </ul>
      </section>

      {decided.length > 0 && (
        <section className="card" aria-labelledby="decided-h">
          <h2 id="decided-h">Decided while this page was open</h2>
          <ul className="decided" data-testid="decided">
            {decided.map((d) => (
              <li key={d.transferId} data-testid="decided-row" data-transfer-id={d.transferId} data-decision={d.decision}>
                <div className="decided-head">
                  <span className={`state state-${d.decision === 'approved' ? 'posted' : 'rejected'}`}>{d.decision}</span>
                  {d.amount && d.currency && <strong>{formatMoney(d.amount, d.currency)}</strong>}
                  <code title={d.transferId}>{shortId(d.transferId)}</code>
                  <span className="muted">“{d.note}”</span>
                </div>
                <AuditTrail transferId={d.transferId} rules={d.rules} />
              </li>
            ))}
          </ul>
        </section>
      )}

      <FraudRules rules={rules} />
    </div>
  );
}

function ReviewItem({ held, onDecided, onStale }: { held: HeldTransfer; onDecided(d: Decided): void; onStale(): void }) {
  const { state } = useSession();
  const me = state.status === 'signed-in' ? state.user.id : '';
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<'approve' | 'reject' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = { heading: useId(), note: useId(), error: useId() };
  const t = held.transfer;

  const submit = async (decision: 'approve' | 'reject') => {
    if (!note.trim()) return setError('Write a note: it goes into the audit trail.');
    setBusy(decision);
    setError(null);
    try {
      await decide(t.id, decision, note.trim());
      onDecided({ transferId: t.id, decision: decision === 'approve' ? 'approved' : 'rejected', analystId: me, note: note.trim(), rules: held.rules, amount: t.amount, currency: t.currency });
    } catch (err) {
      setBusy(null);
      if (err instanceof ApiError && err.code === 'LEDGER_TRANSFER_NOT_HELD') {
        setError('Someone decided this transfer already.');
        onStale();
      } else setError(errorText(err));
    }
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit('approve');
  };

  return (
    <li className="card review" data-testid="review-item" data-transfer-id={t.id} aria-labelledby={ids.heading}>
      <div className="review-head">
        <h3 id={ids.heading}>
          <span className="amount">{formatMoney(t.amount, t.currency)}</span> <span className="kind">{t.kind}</span>
        </h3>
        <time className="muted small" dateTime={held.heldAt} title={new Date(held.heldAt).toLocaleString()}>
          held {ago(held.heldAt)}
        </time>
      </div>
      <dl className="facts">
        <div className="fact">
          <dt>Transfer</dt>
          <dd>
            <code>{t.id}</code>
          </dd>
        </div>
        <div className="fact">
          <dt>From</dt>
          <dd>
            <code title={t.debitAccountId}>{shortId(t.debitAccountId)}</code> <span className="muted">owner</span> <code title={held.ownerId}>{shortId(held.ownerId)}</code>
          </dd>
        </div>
        <div className="fact">
          <dt>To</dt>
          <dd>
            <code title={t.creditAccountId}>{shortId(t.creditAccountId)}</code>
          </dd>
        </div>
      </dl>
      <ul className="fired" aria-label="Rules that fired">
        {held.rules.map((r) => (
          <li key={`${r.rule}@${r.version}`} data-testid="fired-rule" data-rule={r.rule} data-version={r.version}>
            <span className="rule-tag">
              {r.rule}@v{r.version}
            </span>{' '}
            {r.reason}
          </li>
        ))}
      </ul>
      <form className="decision" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor={ids.note}>Note (required, audited)</label>
          <textarea
            id={ids.note}
            rows={2}
            maxLength={1000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            aria-invalid={error !== null}
            aria-describedby={error ? ids.error : undefined}
            data-testid="review-note"
          />
        </div>
        <div className="decision-buttons">
          <button type="submit" className="primary" disabled={busy !== null} data-testid="approve">
            {busy === 'approve' ? 'Approving…' : 'Approve'}
          </button>
          <button type="button" className="danger" disabled={busy !== null} onClick={() => void submit('reject')} data-testid="reject">
            {busy === 'reject' ? 'Rejecting…' : 'Reject'}
          </button>
        </div>
        {error && (
          <p id={ids.error} className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <AuditTrail transferId={t.id} rules={held.rules} heldAt={held.heldAt} />
    </li>
  );
}

function ago(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
