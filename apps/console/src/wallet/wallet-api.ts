// The wallet API as the console calls it (`/api/wallet`): accounts, statements, point-in-time balances, money movements.
import { api, apiStatus, ApiError } from '../api/http.ts';
import type { StatementLine, TransferKind, WalletAccount } from './wallet-types.ts';

export type { StatementLine, TransferKind, WalletAccount } from './wallet-types.ts';

export interface StatementPage {
  readonly items: readonly StatementLine[];
  /** The next page's URL (opaque cursor), null at the end. */
  readonly next: string | null;
}

/** What a money-moving request answered. */
export interface WalletTransfer {
  readonly id: string;
  readonly status: 'posted' | 'pending' | 'held' | 'voided' | 'rejected';
  readonly kind: TransferKind;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly currency: string;
}

export type Movement =
  | { readonly kind: 'deposit'; readonly accountId: string; readonly amount: string }
  | { readonly kind: 'withdrawal'; readonly accountId: string; readonly amount: string }
  | { readonly kind: 'transfer'; readonly fromAccountId: string; readonly toAccountId: string; readonly amount: string };

/** How a movement ended, as the customer is told. */
export type MovementOutcome =
  | { readonly outcome: 'posted' | 'replayed' | 'held'; readonly transfer: WalletTransfer }
  | { readonly outcome: 'rejected'; readonly code: string; readonly detail: string };

export const statementPath = (accountId: string, limit = 20): string => `/api/wallet/accounts/${encodeURIComponent(accountId)}/statement?limit=${limit}`;

export async function listAccounts(signal?: AbortSignal): Promise<WalletAccount[]> {
  return (await api<{ items: WalletAccount[] }>('/api/wallet/accounts', signal ? { signal } : {})).items;
}

export function loadAccount(id: string, signal?: AbortSignal): Promise<WalletAccount> {
  return api<WalletAccount>(`/api/wallet/accounts/${encodeURIComponent(id)}`, signal ? { signal } : {});
}

/** Opens the caller's account in `currency`, or returns the one they have. */
export function openAccount(currency: string): Promise<WalletAccount> {
  return api<WalletAccount>('/api/wallet/accounts', { method: 'POST', body: { currency } });
}

/** A statement page: `path` is `statementPath(id)` for the first, then the previous page's `next`. */
export function loadStatement(path: string, signal?: AbortSignal): Promise<StatementPage> {
  return api<StatementPage>(path, signal ? { signal } : {});
}

/** The posted balance as of `at`. */
export async function balanceAt(id: string, at: Date): Promise<string> {
  const r = await api<{ balance: string }>(`/api/wallet/accounts/${encodeURIComponent(id)}?at=${encodeURIComponent(at.toISOString())}`);
  return r.balance;
}

const PATHS = { deposit: '/api/wallet/deposits', withdrawal: '/api/wallet/withdrawals', transfer: '/api/wallet/transfers' } as const;

/**
 * Moves money under an idempotency key: the same key and body is the same transfer however often it is sent.
 * Rejections (409: insufficient funds, limits) are outcomes; other failures throw ApiError.
 * @example await move({ kind: 'deposit', accountId, amount: '1250' }, crypto.randomUUID())
 */
export async function move(m: Movement, idempotencyKey: string): Promise<MovementOutcome> {
  const { kind, ...body } = m;
  try {
    const r = await apiStatus<WalletTransfer>(PATHS[kind], { method: 'POST', body, headers: { 'idempotency-key': idempotencyKey } });
    if (r.status >= 400) throw new ApiError(r.status, `HTTP_${r.status}`, `the server answered ${r.status}`);
    return { outcome: r.status === 202 ? 'held' : r.status === 200 ? 'replayed' : 'posted', transfer: r.body };
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) return { outcome: 'rejected', code: err.code, detail: err.detail };
    throw err;
  }
}
