// An account's statement: pages oldest first with running balances ("load more"), live lines appended at its end, a balance chart.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/http.ts';
import { shortId } from '../ui/short-id.ts';
import { SparkChart } from '../ui/spark-chart.tsx';
import { chartValue, formatMoney } from './money.ts';
import { loadStatement, statementPath, type StatementLine, type WalletAccount } from './wallet-api.ts';
import { compareSeq, mergeLines, type AccountFeed } from './wallet-state.ts';

const PAGE = 25;
const CHART_LINES = 60;

interface Loaded {
  readonly lines: readonly StatementLine[];
  readonly next: string | null;
}

export function Statement({ account, feed }: { account: WalletAccount; feed: AccountFeed }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const headingId = useId();
  // lines that arrived live after the first render are highlighted once
  const firstSeqShown = useRef<string | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setBusy(true);
    loadStatement(statementPath(account.id, PAGE), ctrl.signal)
      .then((p) => {
        setLoaded({ lines: p.items, next: p.next });
        setError(null);
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(describe(err));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setBusy(false);
      });
    return () => ctrl.abort();
    // a new epoch: the page may have missed events (first subscription, or history gone on resume): read again
  }, [account.id, feed.epoch]);

  const loadMore = () => {
    if (!loaded?.next) return;
    setBusy(true);
    loadStatement(loaded.next)
      .then((p) => {
        setLoaded((l) => ({ lines: mergeLines(l?.lines ?? [], p.items), next: p.next }));
        setError(null);
      })
      .catch((err: unknown) => setError(describe(err)))
      .finally(() => setBusy(false));
  };

  const lastLoaded = loaded?.lines.at(-1)?.seq ?? '0';
  const atEnd = loaded !== null && loaded.next === null;
  const lines = useMemo(() => (loaded === null ? [] : atEnd ? mergeLines(loaded.lines, feed.lines) : loaded.lines), [loaded, atEnd, feed.lines]);
  const newer = atEnd ? 0 : feed.lines.filter((l) => compareSeq(l.seq, lastLoaded) > 0).length;
  if (loaded !== null && firstSeqShown.current === null) firstSeqShown.current = lines.at(-1)?.seq ?? '0';
  const chart = lines.slice(-CHART_LINES).map((l) => chartValue(l.balance, account.currency));

  return (
    <section className="card statement" aria-labelledby={headingId} aria-busy={busy}>
      <div className="section-head">
        <h2 id={headingId}>Statement</h2>
        <span className="muted small" data-testid="statement-count">
          {loaded === null ? '' : `${lines.length} line${lines.length === 1 ? '' : 's'}${atEnd ? '' : ' so far'}`}
        </span>
      </div>
      {chart.length >= 2 && (
        <div className="balance-chart">
          <SparkChart values={chart} label={`Balance over the last ${chart.length} lines, in ${account.currency}`} testId="balance-chart" height={64} />
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {loaded === null && !error && <p className="muted">Loading the statement…</p>}
      {loaded !== null && lines.length === 0 && (
        <p className="empty" data-testid="statement-empty">
          No movements yet. A deposit shows up here as soon as it posts.
        </p>
      )}
      {lines.length > 0 && (
        <div className="table-wrap statement-scroll">
          <table data-testid="statement">
            <caption className="visually-hidden">Statement of the {account.currency} account, oldest first</caption>
            <thead>
              <tr>
                <th scope="col" className="col-posted">
                  Posted
                </th>
                <th scope="col">Movement</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr
                  key={l.seq}
                  data-testid="statement-line"
                  data-seq={l.seq}
                  data-transfer-id={l.transferId}
                  data-amount={l.amount}
                  data-balance={l.balance}
                  className={firstSeqShown.current !== null && compareSeq(l.seq, firstSeqShown.current) > 0 ? 'fresh' : undefined}
                >
                  <td className="col-posted">
                    <time dateTime={l.postedAt}>{when(l.postedAt)}</time>
                  </td>
                  <td>
                    {describeLine(l)}
                    <time className="line-time" dateTime={l.postedAt}>
                      {when(l.postedAt)}
                    </time>
                  </td>
                  <td className={`num ${l.amount.startsWith('-') ? 'debit' : 'credit'}`}>{formatMoney(l.amount, account.currency, { signed: true, code: false })}</td>
                  <td className="num">{formatMoney(l.balance, account.currency, { code: false })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {loaded?.next && (
        <div className="load-more">
          <button type="button" onClick={loadMore} disabled={busy} data-testid="load-more">
            {busy ? 'Loading…' : newer > 0 ? `Load more (${newer} new since)` : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const when = (iso: string) => dateFormat.format(new Date(iso));

function describeLine(l: StatementLine): string {
  const other = shortId(l.counterpartyAccountId);
  switch (l.kind) {
    case 'deposit':
      return 'Deposit';
    case 'withdrawal':
      return 'Withdrawal';
    case 'transfer':
      return l.amount.startsWith('-') ? `Transfer to ${other}` : `Transfer from ${other}`;
    case 'fee':
      return 'Fee';
    case 'fx':
      return 'Currency exchange';
    case 'adjustment':
      return `Adjustment (${other})`;
  }
}

function describe(err: unknown): string {
  return err instanceof ApiError ? `Could not load the statement: ${err.detail}` : 'Could not load the statement.';
}
