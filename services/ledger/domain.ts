// Pure ledger decisions: may this transfer move money (decide), what a journal entry does to two accounts (evolve), and the hash chain.
import { createHash } from 'node:crypto';
import type { TransferKind } from './contract.ts';

/** An account's state as the posting path sees it. All money is bigint minor units. */
export interface AccountState {
  readonly id: string;
  readonly ownerId: string;
  readonly currency: string;
  readonly kind: 'user' | 'system';
  readonly overdraftLimit: bigint | null;
  readonly maxBalance: bigint | null;
  readonly balance: bigint;
  readonly pendingDebits: bigint;
  readonly pendingCredits: bigint;
  /** Number of journal entries that touched the account: the optimistic-concurrency token. */
  readonly version: bigint;
}

export type EntryKind = 'posted' | 'pending' | 'pending-posted' | 'pending-voided';

/** One journal row: a state change of two accounts, chained to the previous row by hash. */
export interface JournalEntry {
  readonly seq: bigint;
  readonly entry: EntryKind;
  readonly transferId: string;
  readonly kind: TransferKind;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly at: Date;
  readonly prevHash: string;
  readonly hash: string;
}

export type Rejection = 'insufficient-funds' | 'balance-limit-exceeded';

/** Spendable funds; null when unbounded (system accounts). */
export function available(a: AccountState): bigint | null {
  return a.overdraftLimit === null ? null : a.balance - a.pendingDebits + a.overdraftLimit;
}

/**
 * Why `amount` may not move from `debit` to `credit` now (posted or reserved), or null when it may.
 * @example decide(alice, bob, 500n) // 'insufficient-funds' when alice has less than 500 spendable
 */
export function decide(debit: AccountState, credit: AccountState, amount: bigint): Rejection | null {
  const free = available(debit);
  if (free !== null && free < amount) return 'insufficient-funds';
  if (credit.maxBalance !== null && credit.balance + credit.pendingCredits + amount > credit.maxBalance) return 'balance-limit-exceeded';
  return null;
}

/** Structural problems that make a command invalid (not a business rejection): same account, currencies, amount. */
export function invalidity(debit: AccountState, credit: AccountState, amount: bigint): string | null {
  if (amount <= 0n) return 'amount must be a positive integer of minor units';
  if (debit.id === credit.id) return 'debit and credit accounts must differ';
  if (debit.currency !== credit.currency) return `currency mismatch: ${debit.currency} -> ${credit.currency} (use an FX transfer)`;
  return null;
}

/**
 * Applies one journal entry to its two accounts.
 * @example const [d, c] = evolve(debit, credit, { entry: 'posted', amount: 100n })
 */
export function evolve(debit: AccountState, credit: AccountState, e: Pick<JournalEntry, 'entry' | 'amount'>): [AccountState, AccountState] {
  const a = e.amount;
  const v = (s: AccountState) => s.version + 1n;
  switch (e.entry) {
    case 'posted':
      return [{ ...debit, balance: debit.balance - a, version: v(debit) }, { ...credit, balance: credit.balance + a, version: v(credit) }];
    case 'pending':
      return [{ ...debit, pendingDebits: debit.pendingDebits + a, version: v(debit) }, { ...credit, pendingCredits: credit.pendingCredits + a, version: v(credit) }];
    case 'pending-posted':
      return [
        { ...debit, balance: debit.balance - a, pendingDebits: debit.pendingDebits - a, version: v(debit) },
        { ...credit, balance: credit.balance + a, pendingCredits: credit.pendingCredits - a, version: v(credit) },
      ];
    case 'pending-voided':
      return [{ ...debit, pendingDebits: debit.pendingDebits - a, version: v(debit) }, { ...credit, pendingCredits: credit.pendingCredits - a, version: v(credit) }];
  }
}

/** True when the entry moves posted money (and so writes statement lines). */
export const movesBalance = (entry: EntryKind): boolean => entry === 'posted' || entry === 'pending-posted';

/** The canonical text of an entry that its hash covers: every column but the hashes, in a fixed order. */
export function canonical(e: Omit<JournalEntry, 'prevHash' | 'hash'>): string {
  return [e.seq, e.entry, e.transferId, e.kind, e.debitAccountId, e.creditAccountId, e.amount, e.currency, e.at.toISOString()].join('|');
}

/** hash = sha256(prev_hash || '|' || canonical(entry)), hex. */
export function chainHash(prevHash: string, e: Omit<JournalEntry, 'prevHash' | 'hash'>): string {
  return createHash('sha256').update(`${prevHash}|${canonical(e)}`).digest('hex');
}

/**
 * Multiplies minor units by a decimal rate string, rounding down (the exchange keeps the remainder).
 * @example convert(1000n, '0.9215') // 921n
 */
export function convert(amount: bigint, rate: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,12}))?$/.exec(rate);
  if (!m) throw new RangeError(`rate must be a positive decimal like "1.0850", got ${JSON.stringify(rate)}`);
  const frac = m[2] ?? '';
  const scaled = BigInt(m[1]! + frac);
  if (scaled === 0n) throw new RangeError('rate must be positive');
  return (amount * scaled) / 10n ** BigInt(frac.length);
}
