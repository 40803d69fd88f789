// Pure wallet decisions: idempotency keys become ledger transfer ids, statement cursors, what a ledger result means to a customer.
import { createHash } from 'node:crypto';
import type { TransferResult } from '@millrace/ledger/contract';
import { encodeCursor as encodeKeyset, readCursor } from '@millrace/platform';
import { walletCodes } from './errors.ts';

/** Printable ASCII without spaces, 1-200 characters (Stripe's and the IETF draft's shape). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The ledger transfer id for an owner's idempotency key: the same key from the same owner is the same transfer,
 * keys of different owners never collide, and the key itself never reaches the ledger.
 * @example transferIdFor('alice', 'k-1') // 'w-3f1c...'
 */
export function transferIdFor(ownerId: string, key: string): string {
  return `w-${createHash('sha256').update(`${ownerId}\u0000${key}`).digest('hex').slice(0, 40)}`;
}

export function encodeCursor(seq: bigint): string {
  return encodeKeyset('seq', [seq.toString()]);
}

export function decodeCursor(cursor: string): bigint | null {
  const [seq] = readCursor(cursor, 'seq', 1) ?? [];
  return seq && /^\d{1,19}$/.test(seq) ? BigInt(seq) : null;
}

export type Outcome =
  | { readonly kind: 'done'; readonly status: 201 | 202 | 200 }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string };

/**
 * What the customer is told: posted 201 (200 when it is a replay), held for review 202, rejections a 409 with a stable code.
 * @example outcomeOf({ status: 'rejected', reason: 'insufficient-funds', ... }) // { kind: 'refused', code: 'WALLET_INSUFFICIENT_FUNDS' }
 */
export function outcomeOf(r: TransferResult): Outcome {
  if (r.status === 'rejected') {
    if (r.reason === 'insufficient-funds') return { kind: 'refused', code: walletCodes.insufficientFunds, message: 'insufficient funds' };
    if (r.reason === 'balance-limit-exceeded') return { kind: 'refused', code: walletCodes.balanceLimit, message: 'the receiving account would exceed its balance limit' };
    return { kind: 'refused', code: 'WALLET_TRANSFER_REJECTED', message: r.reason ?? 'rejected' };
  }
  if (r.status === 'held' || r.status === 'pending') return { kind: 'done', status: 202 };
  return { kind: 'done', status: r.replayed ? 200 : 201 };
}
