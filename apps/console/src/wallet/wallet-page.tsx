// Wallet: the signed-in owner's accounts with live balances, a statement, point-in-time balance and money movements.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, errorText } from '../api/http.ts';
import { useSession } from '../auth/session.tsx';
import { ConnectionBadge } from '../live/connection-badge.tsx';
import type { LiveEvent } from '../live/event-log.ts';
import { useLive } from '../live/live-connection.tsx';
import { useChannel } from '../live/use-channel.ts';
import { BalanceAt } from './balance-at.tsx';
import { formatMoney } from './money.ts';
import { MoveMoney, type Activity } from './move-money.tsx';
import { OpenAccount } from './open-account.tsx';
import { ReceiveDetails } from './receive-details.tsx';
import { Statement } from './statement.tsx';
import { listAccounts, loadAccount, type WalletAccount } from './wallet-api.ts';
import { actionsFor, initialWallet, walletReducer, type AccountFeed, type WalletAction } from './wallet-state.ts';

export function WalletPage() {
  const { connection, onTopicEvent } = useLive();
  const { expired } = useSession();
  const [state, dispatch] = useReducer(walletReducer, initialWallet);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [activity, setActivity] = useState<readonly Activity[]>([]);
  const [refreshError, setRefreshError] = useState<string | null>(null);
  // events seen per account: a REST read that overlapped one may predate it, so it is read again
  const eventsSeen = useRef(new Map<string, number>());

  const fail = useCallback(
    (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) expired();
      else dispatch({ type: 'failed', error: errorText(err) });
    },
    [expired],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    listAccounts(ctrl.signal)
      .then((accounts) => dispatch({ type: 'loaded', accounts }))
      .catch((err: unknown) => (err as Error).name !== 'AbortError' && fail(err));
    return () => ctrl.abort();
  }, [fail]);

  const refresh = useCallback(
    async (id: string) => {
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          const before = eventsSeen.current.get(id) ?? 0;
          const account = await loadAccount(id);
          if ((eventsSeen.current.get(id) ?? 0) === before) {
            setRefreshError(null);
            return dispatch({ type: 'account', account });
          }
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) expired();
        else setRefreshError(err instanceof ApiError ? err.detail : String(err));
      }
    },
    [expired],
  );

  // an account opened elsewhere (another tab, the API) arrives on the owner's family channel `ledger`
  useEffect(
    () =>
      onTopicEvent('ledger', (e) => {
        const data = e.data as { accountId?: string; kind?: string };
        if (e.type === 'ledger.account-opened' && data.kind === 'user' && data.accountId) void refresh(data.accountId);
      }),
    [onTopicEvent, refresh],
  );

  const onEvent = useCallback(
    (id: string, event: LiveEvent) => {
      eventsSeen.current.set(id, (eventsSeen.current.get(id) ?? 0) + 1);
      const { actions, refresh: reread } = actionsFor(event);
      for (const a of actions) dispatch(a);
      const account = state.accounts.find((a) => a.id === id);
      // a posting that settles a held transfer also releases its reservation, which the event does not carry
      if (reread || (event.type === 'ledger.entries-posted' && account && account.pending !== '0')) void refresh(id);
    },
    [refresh, state.accounts],
  );

  const onSubscribed = useCallback(
    (id: string, info: { recovered: boolean }, first: boolean) => {
      // the first time: what was read before the channel went live may miss events; later: only when history was gone
      const reload = first || !info.recovered;
      dispatch({ type: 'subscribed', accountId: id, reload });
      if (reload) void refresh(id);
    },
    [refresh],
  );

  const onOpened = useCallback((account: WalletAccount) => {
    dispatch({ type: 'account', account });
    setSelectedId(account.id);
  }, []);

  const onMoved = useCallback(
    (a: Activity) => {
      setActivity((list) => [a, ...list.filter((x) => x.transferId !== a.transferId)].slice(0, 20));
      if (a.state) dispatch({ type: 'transfer', id: a.transferId, state: a.state });
      // live, the event brings the new balance and line; without the channel, read them after our own movement
      const live = connection.state === 'open' && state.feeds[a.accountId]?.channel === 'live';
      if (!live) {
        dispatch({ type: 'reload', accountId: a.accountId });
        void refresh(a.accountId);
      }
    },
    [connection.state, state.feeds, refresh],
  );

  const selected = state.accounts.find((a) => a.id === selectedId) ?? state.accounts[0];
  const feed = selected ? state.feeds[selected.id] : undefined;

  return (
    <div className="page wallet-page">
      <header className="page-head">
        <h1>Wallet</h1>
        <ConnectionBadge connection={connection} />
        <div className="spacer" />
        {state.status === 'ready' && state.accounts.length > 0 && <OpenAccount held={state.accounts.map((a) => a.currency)} onOpened={onOpened} compact />}
      </header>

      {state.status === 'error' && (
        <p className="error" role="alert">
          Could not load your accounts: {state.error}
        </p>
      )}
      {refreshError && (
        <p className="notice" role="status">
          A balance could not be refreshed ({refreshError}); it updates again with the next movement.
        </p>
      )}
      {state.status === 'loading' && (
        <p className="muted" aria-busy="true">
          Loading your accounts…
        </p>
      )}
      {state.status === 'ready' && state.accounts.length === 0 && (
        <section className="card empty-state" aria-labelledby="no-account-h" data-testid="no-accounts">
          <h2 id="no-account-h">You have no account yet</h2>
          <p className="muted">Open one in the currency you want to hold; deposits, withdrawals and transfers then go through it.</p>
          <OpenAccount held={[]} onOpened={onOpened} />
        </section>
      )}

      {state.accounts.length > 0 && (
        <ul className="accounts" aria-label="Your accounts">
          {state.accounts.map((a) => (
            <AccountCard
              key={a.id}
              account={a}
              feed={state.feeds[a.id]}
              selected={a.id === selected?.id}
              onSelect={setSelectedId}
              onEvent={onEvent}
              onSubscribed={onSubscribed}
              dispatch={dispatch}
            />
          ))}
        </ul>
      )}

      {selected && feed && (
        <div className="wallet-layout">
          <Statement key={selected.id} account={selected} feed={feed} />
          <div className="wallet-side">
            <MoveMoney key={selected.id} account={selected} transfers={state.transfers} activity={activity.filter((x) => x.accountId === selected.id)} onMoved={onMoved} />
            <BalanceAt key={`at-${selected.id}`} account={selected} />
            <ReceiveDetails key={`rx-${selected.id}`} account={selected} />
          </div>
        </div>
      )}
    </div>
  );
}

interface AccountCardProps {
  readonly account: WalletAccount;
  readonly feed: AccountFeed | undefined;
  readonly selected: boolean;
  onSelect(id: string): void;
  onEvent(id: string, event: LiveEvent): void;
  onSubscribed(id: string, info: { recovered: boolean }, first: boolean): void;
  dispatch(action: WalletAction): void;
}

/** One account: its balance, followed live on `ledger:<id>` while the card is shown. */
function AccountCard({ account, feed, selected, onSelect, onEvent, onSubscribed, dispatch }: AccountCardProps) {
  const subscribedOnce = useRef(false);
  useChannel(`ledger:${account.id}`, {
    onEvent: (e) => onEvent(account.id, e),
    onSubscribed: (info) => {
      onSubscribed(account.id, info, !subscribedOnce.current);
      subscribedOnce.current = true;
    },
    onError: (e) => dispatch({ type: 'refused', accountId: account.id, detail: `${e.detail} (${e.code})` }),
  });
  const pending = BigInt(account.pending) !== 0n;
  return (
    <li>
      <button
        type="button"
        className="card account-card"
        aria-pressed={selected}
        onClick={() => onSelect(account.id)}
        data-testid="account-card"
        data-account-id={account.id}
        data-currency={account.currency}
        data-live={feed?.channel ?? 'subscribing'}
      >
        <span className="account-head">
          <span className="currency">{account.currency}</span>
          <span className={`live-dot live-${feed?.channel ?? 'subscribing'}`} title={feed?.channel === 'refused' ? `Not live: ${feed.channelError ?? ''}` : feed?.channel === 'live' ? 'Live' : 'Connecting'}>
            <span className="visually-hidden">{feed?.channel === 'live' ? 'live' : feed?.channel === 'refused' ? 'not live' : 'connecting'}</span>
          </span>
        </span>
        <span className="big" data-testid="balance" data-minor={account.balance}>
          {formatMoney(account.balance, account.currency)}
        </span>
        <span className="muted small">
          Available <span data-testid="available" data-minor={account.available ?? ''}>{account.available === null ? '—' : formatMoney(account.available, account.currency)}</span>
          {pending && (
            <>
              {' · '}
              <span className="held-text" data-testid="reserved" data-minor={account.pending}>
                {formatMoney(account.pending, account.currency)} reserved
              </span>
            </>
          )}
        </span>
      </button>
    </li>
  );
}
