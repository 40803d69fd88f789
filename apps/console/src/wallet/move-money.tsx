// Deposit, withdraw or send money from one account: one form, a fresh Idempotency-Key per submit, the outcome and its live status.
import { useId, useRef, useState, type FormEvent } from 'react';
import { errorText, mayRetry } from '../api/http.ts';
import { newIdempotencyKey } from '../api/idempotency-key.ts';
import { formatMoney, parseAmount } from './money.ts';
import { shortId } from '../ui/short-id.ts';
import { move, type Movement, type MovementOutcome, type WalletAccount } from './wallet-api.ts';
import type { TransferState } from './wallet-state.ts';

type Action = Movement['kind'];

const ACTIONS: readonly { value: Action; label: string; verb: string }[] = [
  { value: 'deposit', label: 'Deposit', verb: 'Deposit' },
  { value: 'withdrawal', label: 'Withdraw', verb: 'Withdraw' },
  { value: 'transfer', label: 'Transfer', verb: 'Send' },
];

/** A movement made from this page, shown with its live status. */
export interface Activity {
  readonly transferId: string;
  readonly accountId: string;
  readonly kind: Action;
  readonly amount: string;
  readonly currency: string;
  readonly to?: string;
  /** What the answer said; later updates come from live events. */
  readonly state?: TransferState;
}

type Shown =
  | { readonly kind: 'outcome'; readonly outcome: MovementOutcome; readonly amount: string; readonly action: Action }
  | { readonly kind: 'error'; readonly detail: string; readonly retry: boolean };


interface MoveMoneyProps {
  readonly account: WalletAccount;
  readonly transfers: Readonly<Record<string, TransferState>>;
  readonly activity: readonly Activity[];
  onMoved(a: Activity): void;
}

export function MoveMoney({ account, transfers, activity, onMoved }: MoveMoneyProps) {
  const [action, setAction] = useState<Action>('deposit');
  const [amount, setAmount] = useState('');
  const [to, setTo] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  // after a failure whose outcome is unknown (network, 5xx) the same request is retried under the same key,
  // so it cannot post twice; any other submit gets a fresh key
  const unsettled = useRef<{ body: string; key: string } | null>(null);
  const ids = { heading: useId(), amount: useId(), to: useId(), amountHint: useId(), error: useId() };
  const verb = ACTIONS.find((a) => a.value === action)!.verb;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseAmount(amount, account.currency);
    if (!parsed.ok) return setFieldError(parsed.error);
    if (action === 'transfer' && !to.trim()) return setFieldError('Enter the recipient’s account id.');
    if (action === 'transfer' && to.trim() === account.id) return setFieldError('That is this account; pick another recipient.');
    setFieldError(null);
    const m: Movement =
      action === 'transfer'
        ? { kind: 'transfer', fromAccountId: account.id, toAccountId: to.trim(), amount: parsed.minor }
        : { kind: action, accountId: account.id, amount: parsed.minor };
    const body = JSON.stringify(m);
    const key = unsettled.current?.body === body ? unsettled.current.key : newIdempotencyKey();
    setBusy(true);
    try {
      const outcome = await move(m, key);
      unsettled.current = null;
      setShown({ kind: 'outcome', outcome, amount: parsed.minor, action });
      if (outcome.outcome !== 'rejected') {
        const t = outcome.transfer;
        onMoved({
          transferId: t.id, accountId: account.id, kind: action, amount: parsed.minor, currency: account.currency,
          ...(action === 'transfer' ? { to: to.trim() } : {}),
          state: outcome.outcome === 'held' ? 'held' : t.status === 'posted' ? 'posted' : t.status === 'rejected' ? 'rejected' : 'held',
        });
        setAmount('');
      }
    } catch (err) {
      const retry = mayRetry(err);
      unsettled.current = retry ? { body, key } : null;
      setShown({ kind: 'error', detail: errorText(err), retry });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card move-money" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Move money</h2>
      <form onSubmit={onSubmit} noValidate data-testid="move-form">
        <fieldset className="segmented">
          <legend className="visually-hidden">What to do</legend>
          {ACTIONS.map((a) => (
            <label key={a.value} className={action === a.value ? 'on' : undefined}>
              <input type="radio" name="action" value={a.value} checked={action === a.value} onChange={() => { setAction(a.value); setFieldError(null); }} data-testid={`action-${a.value}`} />
              {a.label}
            </label>
          ))}
        </fieldset>
        {action === 'transfer' && (
          <div className="field">
            <label htmlFor={ids.to}>Recipient account id</label>
            <input id={ids.to} value={to} onChange={(e) => setTo(e.target.value)} autoComplete="off" spellCheck={false} placeholder="the id the recipient shares" data-testid="recipient" />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.amount}>Amount ({account.currency})</label>
          <input
            id={ids.amount}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            autoComplete="off"
            placeholder="0.00"
            aria-invalid={fieldError !== null}
            aria-describedby={`${ids.amountHint}${fieldError ? ` ${ids.error}` : ''}`}
            data-testid="amount"
          />
          <p id={ids.amountHint} className="hint">
            {action === 'deposit' ? 'From cash-in into this account.' : `Available: ${account.available === null ? '—' : formatMoney(account.available, account.currency)}`}
          </p>
        </div>
        {fieldError && (
          <p id={ids.error} className="error" role="alert">
            {fieldError}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid="move-submit">
          {busy ? 'Sending…' : shown?.kind === 'error' && shown.retry ? `Retry: ${verb.toLowerCase()}` : verb}
        </button>
      </form>

      <div role="status" aria-live="polite" className="move-result-wrap">
        {shown && <Result shown={shown} currency={account.currency} transfers={transfers} />}
      </div>

      {activity.length > 0 && (
        <>
          <h3 className="activity-title">Made here</h3>
          <ul className="activity" data-testid="activity">
            {activity.map((a) => {
              const state = transfers[a.transferId] ?? a.state;
              return (
                <li key={a.transferId} data-testid="activity-row" data-transfer-id={a.transferId} data-state={state}>
                  <span>
                    {ACTIONS.find((x) => x.value === a.kind)!.label} {formatMoney(a.amount, a.currency)}
                    {a.to ? ` to ${shortId(a.to)}` : ''}
                  </span>
                  <span className={`state state-${state ?? 'unknown'}`}>{stateLabel(state)}</span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

function Result({ shown, currency, transfers }: { shown: Shown; currency: string; transfers: Readonly<Record<string, TransferState>> }) {
  if (shown.kind === 'error') {
    return (
      <p className="error" data-testid="move-result" data-outcome="error">
        Not sent: {shown.detail}.{shown.retry ? ' It may or may not have gone through; retrying uses the same idempotency key, so it cannot happen twice.' : ''}
      </p>
    );
  }
  const { outcome, amount, action } = shown;
  const what = `${ACTIONS.find((a) => a.value === action)!.label} of ${formatMoney(amount, currency)}`;
  if (outcome.outcome === 'rejected') {
    return (
      <p className="error" data-testid="move-result" data-outcome="rejected" data-code={outcome.code}>
        Rejected: {outcome.detail} ({outcome.code}). Nothing was moved.
      </p>
    );
  }
  const live = transfers[outcome.transfer.id];
  if (outcome.outcome === 'held' && live !== 'posted' && live !== 'rejected' && live !== 'voided') {
    return (
      <p className="notice" data-testid="move-result" data-outcome="held" data-transfer-id={outcome.transfer.id}>
        <strong>Held for review.</strong> {what}: the amount is reserved until an analyst approves or rejects it; this page updates when they do.
      </p>
    );
  }
  if (outcome.outcome === 'held') {
    return (
      <p className={live === 'posted' ? 'success' : 'error'} data-testid="move-result" data-outcome={live === 'posted' ? 'approved' : 'declined'} data-transfer-id={outcome.transfer.id}>
        {live === 'posted' ? `Approved after review: ${what} posted.` : `Declined after review: ${what} was not made; the reservation is released.`}
      </p>
    );
  }
  return (
    <p className="success" data-testid="move-result" data-outcome={outcome.outcome} data-transfer-id={outcome.transfer.id}>
      {outcome.outcome === 'replayed' ? `Already done: ${what} was posted by an earlier identical request.` : `Posted: ${what}.`}
    </p>
  );
}

function stateLabel(state: TransferState | undefined): string {
  switch (state) {
    case 'posted':
      return 'posted';
    case 'held':
      return 'held for review';
    case 'rejected':
      return 'rejected';
    case 'voided':
      return 'voided';
    default:
      return 'sent';
  }
}
