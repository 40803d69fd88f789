// Point-in-time balance: what the account held at a chosen moment (the running balance of the last line by then).
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/http.ts';
import { formatMoney } from './money.ts';
import { balanceAt, type WalletAccount } from './wallet-api.ts';

/** `YYYY-MM-DDTHH:mm:ss` in local time, the value format of `<input type="datetime-local">`. */
function localInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function BalanceAt({ account }: { account: WalletAccount }) {
  const [value, setValue] = useState(() => localInputValue(new Date()));
  const [result, setResult] = useState<{ at: Date; balance: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { heading: useId(), input: useId() };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const at = new Date(value);
    if (!value || Number.isNaN(at.getTime())) return setError('Pick a date and time.');
    setBusy(true);
    setError(null);
    try {
      setResult({ at, balance: await balanceAt(account.id, at) });
    } catch (err) {
      setResult(null);
      setError(err instanceof ApiError ? err.detail : 'The balance could not be loaded.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Balance at a point in time</h2>
      <form className="inline-form" onSubmit={onSubmit} data-testid="balance-at-form">
        <div className="field">
          <label htmlFor={ids.input}>Date and time</label>
          <input id={ids.input} type="datetime-local" step={1} value={value} onChange={(e) => setValue(e.target.value)} data-testid="balance-at-input" />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Looking up…' : 'Look up'}
        </button>
      </form>
      <div role="status" aria-live="polite">
        {error && <p className="error">{error}</p>}
        {result && (
          <p className="at-result" data-testid="balance-at" data-minor={result.balance}>
            <span className="muted">On {result.at.toLocaleString()}:</span> <strong>{formatMoney(result.balance, account.currency)}</strong>
          </p>
        )}
      </div>
    </section>
  );
}
