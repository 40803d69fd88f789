// Ledger's published events and its command port (LedgerClient): the only file other services import.
import { defineContract } from '@millrace/platform';
import { z } from 'zod';

/** Money travels as a decimal string of integer minor units (bigint on both ends), never a float. */
const money = z.string().regex(/^-?\d+$/);
const currency = z.string().regex(/^[A-Z]{3}$/);

export const TRANSFER_KINDS = ['deposit', 'withdrawal', 'transfer', 'fee', 'fx', 'adjustment'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];
export const SYSTEM_ROLES = ['cash-in', 'cash-out', 'fees', 'suspense', 'exchange'] as const;
export type SystemRole = (typeof SYSTEM_ROLES)[number];
export type TransferStatus = 'posted' | 'pending' | 'held' | 'voided' | 'rejected';

const firedRule = z.object({ rule: z.string(), version: z.number().int(), reason: z.string() });

export const contract = defineContract({
  source: 'ledger',
  events: {
    'ledger.account-opened': {
      1: z.object({ accountId: z.string(), ownerId: z.string(), currency, kind: z.enum(['user', 'system']), overdraftLimit: money.nullable() }),
    },
    /**
     * An account's newly posted statement lines, key = the account id: one event per account per posting batch (not per
     * transfer side, which halved throughput). A live balance or statement follows one key; `ownerId` lets the realtime
     * gateway show each owner only their own. `amount` is signed (negative debits); `balance` is the running balance.
     */
    'ledger.entries-posted': {
      1: z.object({
        accountId: z.string(), ownerId: z.string(), currency, balance: money, postedAt: z.string(),
        lines: z.array(z.object({ seq: z.string(), transferId: z.string(), kind: z.enum(TRANSFER_KINDS), amount: money, balance: money, counterpartyAccountId: z.string() })),
      }),
    },
    'ledger.transfer-pending': {
      1: z.object({ transferId: z.string(), kind: z.enum(TRANSFER_KINDS), amount: money, currency, debitAccountId: z.string(), creditAccountId: z.string(), expiresAt: z.string().nullable() }),
    },
    'ledger.transfer-voided': { 1: z.object({ transferId: z.string(), debitAccountId: z.string(), reason: z.string() }) },
    'ledger.transfer-rejected': { 1: z.object({ transferId: z.string(), debitAccountId: z.string(), reason: z.string() }) },
    'ledger.transfer-held': {
      1: z.object({ transferId: z.string(), debitAccountId: z.string(), ownerId: z.string(), amount: money, currency, rules: z.array(firedRule) }),
    },
    'ledger.review-decided': {
      1: z.object({ transferId: z.string(), decision: z.enum(['approved', 'rejected']), analystId: z.string(), note: z.string(), rules: z.array(firedRule) }),
    },
    'ledger.fraud-rule-changed': {
      1: z.object({ rule: z.string(), version: z.number().int(), enabled: z.boolean(), params: z.record(z.string(), z.number()), changedBy: z.string() }),
    },
  },
});

/** An account as callers see it. Amounts are bigint minor units. */
export interface AccountView {
  readonly id: string;
  readonly ownerId: string;
  readonly currency: string;
  readonly kind: 'user' | 'system';
  /** Posted balance (credits minus debits). */
  readonly balance: bigint;
  /** Reserved by pending and held transfers: not spendable. */
  readonly pendingDebits: bigint;
  readonly pendingCredits: bigint;
  /** Spendable: balance - pendingDebits + overdraftLimit (null limit: unbounded, system accounts). */
  readonly available: bigint | null;
  /** How far below zero the balance may go; 0 for user accounts unless granted; null is unbounded. */
  readonly overdraftLimit: bigint | null;
  readonly version: bigint;
}

export interface TransferCommand {
  /** Client-supplied, unique: a repeat returns the original result. */
  readonly id: string;
  readonly kind: TransferKind;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  /** Reserve now, post or void later (hold). */
  readonly pending?: { readonly expiresAt: Date | null };
  /** Who asked (stored with the transfer, for audit): the customer behind the wallet, the operator behind the API. */
  readonly initiatedBy?: string;
}

/** Explicit currency exchange: debit `from` in its currency, credit `to` at `rate` (a decimal string), via the exchange accounts. */
export interface FxCommand {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  /** Units of the credit currency per unit of the debit currency, e.g. "0.9215"; the credited amount is rounded down. */
  readonly rate: string;
}

export interface TransferResult {
  readonly id: string;
  readonly status: TransferStatus;
  readonly kind: TransferKind;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly currency: string;
  /** Why it was rejected or voided, or which rules held it. */
  readonly reason: string | null;
  /** True when this call returned an earlier call's stored result. */
  readonly replayed: boolean;
}

export interface StatementLine {
  readonly seq: bigint;
  readonly transferId: string;
  readonly kind: TransferKind;
  /** Signed: positive credits the account, negative debits it. */
  readonly amount: bigint;
  /** The balance right after this line. */
  readonly balance: bigint;
  readonly counterpartyAccountId: string;
  readonly postedAt: Date;
}

/**
 * The ledger's command and query port. The wallet depends on this interface; the server injects the ledger.
 * @example const r = await ledger.transfer({ id, kind: 'transfer', debitAccountId: a, creditAccountId: b, amount: 100n })
 */
export interface LedgerClient {
  openAccount(input: { ownerId: string; currency: string }): Promise<AccountView>;
  account(id: string): Promise<AccountView | undefined>;
  accountsOf(ownerId: string): Promise<AccountView[]>;
  systemAccount(role: SystemRole, currency: string): Promise<AccountView>;
  transfer(command: TransferCommand): Promise<TransferResult>;
  /** Lines after `afterSeq` (exclusive), oldest first. */
  statement(accountId: string, page: { afterSeq?: bigint; limit: number }): Promise<StatementLine[]>;
  /** The posted balance as of `at` (point in time). */
  balanceAt(accountId: string, at: Date): Promise<bigint>;
}
