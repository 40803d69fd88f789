// Opens an account in a currency the owner does not hold yet (the API returns the existing one if they do).
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/http.ts';
import { openAccount, type WalletAccount } from './wallet-api.ts';

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'JPY'] as const;

interface OpenAccountProps {
  /** Currencies the owner holds already: not offered. */
  readonly held: readonly string[];
  onOpened(account: WalletAccount): void;
  /** One line, for the page header. */
  readonly compact?: boolean;
}

export function OpenAccount({ held, onOpened, compact = false }: OpenAccountProps) {
  const offered = CURRENCIES.filter((c) => !held.includes(c));
  const [currency, setCurrency] = useState<string>(offered[0] ?? 'EUR');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const selectId = useId();
  if (offered.length === 0) return null;
  const chosen = offered.includes(currency as (typeof CURRENCIES)[number]) ? currency : offered[0]!;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onOpened(await openAccount(chosen));
    } catch (err) {
      setError(err instanceof ApiError ? `${err.detail} (${err.code})` : 'The account could not be opened.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={`inline-form open-account${compact ? ' compact' : ''}`} onSubmit={onSubmit} data-testid="open-account">
      <div className="field">
        <label htmlFor={selectId}>{compact ? 'New account in' : 'Currency'}</label>
        <select id={selectId} value={chosen} onChange={(e) => setCurrency(e.target.value)} data-testid="open-currency">
          {offered.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className={compact ? undefined : 'primary'} disabled={busy} data-testid="open-submit">
        {busy ? 'Opening…' : 'Open account'}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
