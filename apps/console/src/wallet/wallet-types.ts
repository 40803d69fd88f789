// The wallet API's shapes (no DOM, no fetch): shared by the API calls and the pure page state.

/** An account as `GET /api/wallet/accounts` answers it; amounts are decimal strings of minor units. */
export interface WalletAccount {
  readonly id: string;
  readonly currency: string;
  readonly balance: string;
  /** Spendable: balance - pending (+ overdraft). */
  readonly available: string | null;
  /** Reserved by pending and held transfers. */
  readonly pending: string;
  readonly overdraftLimit: string | null;
}

export type TransferKind = 'deposit' | 'withdrawal' | 'transfer' | 'fee' | 'fx' | 'adjustment';

export interface StatementLine {
  readonly seq: string;
  readonly transferId: string;
  readonly kind: TransferKind;
  /** Signed: negative debits the account. */
  readonly amount: string;
  /** Running balance right after the line. */
  readonly balance: string;
  readonly counterpartyAccountId: string;
  readonly postedAt: string;
}
