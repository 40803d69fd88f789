// A held transfer's audit trail: the hold (rule versions and reasons), then every analyst decision, loaded when opened.
import { useEffect, useState } from 'react';
import { ApiError } from '../api/http.ts';
import { useSession } from '../auth/session.tsx';
import { shortId } from '../ui/short-id.ts';
import { auditTrail, type FiredRule, type ReviewRecord } from './review-api.ts';

interface AuditTrailProps {
  readonly transferId: string;
  readonly rules: readonly FiredRule[];
  readonly heldAt?: string;
}

export function AuditTrail({ transferId, rules, heldAt }: AuditTrailProps) {
  const { state } = useSession();
  const me = state.status === 'signed-in' ? state.user.id : '';
  const [open, setOpen] = useState(false);
  const [records, setRecords] = useState<readonly ReviewRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    const ctrl = new AbortController();
    auditTrail(transferId, ctrl.signal)
      .then((r) => {
        setRecords(r);
        setError(null);
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err instanceof ApiError ? err.detail : 'The audit trail could not be loaded.');
      });
    return () => ctrl.abort();
  }, [open, transferId]);

  return (
    <details className="audit" onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="audit">
      <summary>Audit trail</summary>
      <ol className="audit-list" data-testid="audit-list" aria-busy={open && records === null && !error}>
        <li>
          <span className="state state-held">held</span>
          {heldAt && <time dateTime={heldAt}>{new Date(heldAt).toLocaleString()}</time>}
          <span>by {rules.map((r) => `${r.rule}@v${r.version}`).join(', ') || 'the fraud rules'}</span>
        </li>
        {(records ?? []).map((r, i) => (
          <li key={i} data-testid="audit-record" data-decision={r.decision}>
            <span className={`state state-${r.decision === 'approved' ? 'posted' : 'rejected'}`}>{r.decision}</span>
            <time dateTime={r.decidedAt}>{new Date(r.decidedAt).toLocaleString()}</time>
            <span>
              by {r.analystId === me ? 'you' : <code title={r.analystId}>{shortId(r.analystId)}</code>}: “{r.note}”
            </span>
          </li>
        ))}
        {records !== null && records.length === 0 && <li className="muted">No decision yet.</li>}
      </ol>
      {error && <p className="error">{error}</p>}
    </details>
  );
}
