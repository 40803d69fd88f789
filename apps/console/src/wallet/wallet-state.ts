// The wallet page's state: the owner's accounts, lines pushed live per account, and what became of the transfers made here.
import type { LiveEvent } from '../live/event-log.ts';
import type { StatementLine, WalletAccount } from './wallet-types.ts';

/** Where the transfers submitted from this page stand, as far as the page knows (form answers, then live events). */
export type TransferState = 'posted' | 'held' | 'rejected' | 'voided';

export interface AccountFeed {
  /** Lines pushed live since the page opened, oldest first, unique by seq, bounded. */
  readonly lines: readonly StatementLine[];
  /** Bumped whenever what the page holds may have missed events: reload over REST. */
  readonly epoch: number;
  readonly channel: 'subscribing' | 'live' | 'refused';
  readonly channelError?: string;
}

export interface WalletState {
  readonly status: 'loading' | 'ready' | 'error';
  readonly error?: string;
  readonly accounts: readonly WalletAccount[];
  readonly feeds: Readonly<Record<string, AccountFeed>>;
  readonly transfers: Readonly<Record<string, TransferState>>;
}

/** `ledger.entries-posted` data: an account's new lines and balance after one posting batch. */
export interface EntriesPosted {
  readonly accountId: string;
  readonly currency: string;
  readonly balance: string;
  readonly lines: readonly Omit<StatementLine, 'postedAt'>[];
  readonly postedAt: string;
}

export type WalletAction =
  | { readonly type: 'loaded'; readonly accounts: readonly WalletAccount[] }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'account'; readonly account: WalletAccount }
  | { readonly type: 'entries'; readonly data: EntriesPosted }
  | { readonly type: 'transfer'; readonly id: string; readonly state: TransferState }
  | { readonly type: 'subscribed'; readonly accountId: string; readonly reload: boolean }
  | { readonly type: 'reload'; readonly accountId: string }
  | { readonly type: 'refused'; readonly accountId: string; readonly detail: string };

/** Live lines kept per account: the statement shows pages from REST and, once at its end, these. */
const MAX_LIVE_LINES = 500;

export const initialWallet: WalletState = { status: 'loading', accounts: [], feeds: {}, transfers: {} };

const emptyFeed: AccountFeed = { lines: [], epoch: 0, channel: 'subscribing' };

export function walletReducer(s: WalletState, a: WalletAction): WalletState {
  switch (a.type) {
    case 'loaded':
      return { ...s, status: 'ready', accounts: a.accounts, feeds: Object.fromEntries(a.accounts.map((x) => [x.id, s.feeds[x.id] ?? emptyFeed])) };
    case 'failed':
      return { ...s, status: 'error', error: a.error };
    case 'account': {
      const known = s.accounts.some((x) => x.id === a.account.id);
      return {
        ...s,
        accounts: known ? s.accounts.map((x) => (x.id === a.account.id ? a.account : x)) : [...s.accounts, a.account],
        feeds: known ? s.feeds : { ...s.feeds, [a.account.id]: emptyFeed },
      };
    }
    case 'entries': {
      const d = a.data;
      const feed = s.feeds[d.accountId] ?? emptyFeed;
      const lines = mergeLines(feed.lines, d.lines.map((l) => ({ ...l, postedAt: d.postedAt }))).slice(-MAX_LIVE_LINES);
      const transfers = { ...s.transfers };
      for (const l of d.lines) if (l.transferId in transfers) transfers[l.transferId] = 'posted';
      return {
        ...s,
        accounts: s.accounts.map((x) => (x.id === d.accountId ? withBalance(x, d.balance) : x)),
        feeds: { ...s.feeds, [d.accountId]: { ...feed, lines } },
        transfers,
      };
    }
    case 'transfer':
      return { ...s, transfers: { ...s.transfers, [a.id]: a.state } };
    case 'subscribed': {
      const feed = s.feeds[a.accountId] ?? emptyFeed;
      return { ...s, feeds: { ...s.feeds, [a.accountId]: { lines: feed.lines, channel: 'live', epoch: feed.epoch + (a.reload ? 1 : 0) } } };
    }
    case 'reload': {
      const feed = s.feeds[a.accountId] ?? emptyFeed;
      return { ...s, feeds: { ...s.feeds, [a.accountId]: { ...feed, epoch: feed.epoch + 1 } } };
    }
    case 'refused': {
      const feed = s.feeds[a.accountId] ?? emptyFeed;
      return { ...s, feeds: { ...s.feeds, [a.accountId]: { ...feed, channel: 'refused', channelError: a.detail } } };
    }
  }
}

/** What a live ledger event means for the page; `refresh` when the account's reservations may have changed. */
export function actionsFor(event: LiveEvent): { readonly actions: readonly WalletAction[]; readonly refresh: boolean } {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'ledger.entries-posted':
      return { actions: [{ type: 'entries', data: data as unknown as EntriesPosted }], refresh: false };
    case 'ledger.transfer-held':
      return { actions: [{ type: 'transfer', id: String(data.transferId), state: 'held' }], refresh: true };
    case 'ledger.transfer-rejected':
      return { actions: [{ type: 'transfer', id: String(data.transferId), state: 'rejected' }], refresh: true };
    case 'ledger.transfer-voided':
      return { actions: [{ type: 'transfer', id: String(data.transferId), state: 'voided' }], refresh: true };
    case 'ledger.review-decided':
      return { actions: [{ type: 'transfer', id: String(data.transferId), state: data.decision === 'approved' ? 'posted' : 'rejected' }], refresh: true };
    case 'ledger.transfer-pending':
      return { actions: [], refresh: true };
    default:
      return { actions: [], refresh: false };
  }
}

/** The account with a new posted balance; what is available follows (reservations unchanged). */
function withBalance(a: WalletAccount, balance: string): WalletAccount {
  const available = a.available === null ? null : (BigInt(balance) - BigInt(a.pending) + BigInt(a.overdraftLimit ?? '0')).toString();
  return { ...a, balance, available };
}

/** Lines of both lists, unique by seq, in seq order. */
export function mergeLines(a: readonly StatementLine[], b: readonly StatementLine[]): StatementLine[] {
  const bySeq = new Map<string, StatementLine>();
  for (const l of a) bySeq.set(l.seq, l);
  for (const l of b) if (!bySeq.has(l.seq)) bySeq.set(l.seq, l);
  return [...bySeq.values()].sort((x, y) => compareSeq(x.seq, y.seq));
}

export function compareSeq(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
