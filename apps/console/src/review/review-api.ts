// The ledger's analyst API as the console calls it (`/api/ledger`, staff only): held transfers, decisions, audit, fraud rules.
import { api } from '../api/http.ts';
import type { TransferKind } from '../wallet/wallet-api.ts';

/** A rule version that fired, and why. */
export interface FiredRule {
  readonly rule: string;
  readonly version: number;
  readonly reason: string;
}

export interface LedgerTransfer {
  readonly id: string;
  readonly status: 'posted' | 'pending' | 'held' | 'voided' | 'rejected';
  readonly kind: TransferKind;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  /** Minor units, decimal string. */
  readonly amount: string;
  readonly currency: string;
  readonly reason: string | null;
}

/** `GET /api/ledger/reviews`: the queue, oldest first. */
export interface HeldTransfer {
  readonly transfer: LedgerTransfer;
  readonly ownerId: string;
  readonly rules: readonly FiredRule[];
  readonly heldAt: string;
}

export interface ReviewRecord {
  readonly transferId: string;
  readonly decision: 'approved' | 'rejected';
  readonly analystId: string;
  readonly note: string;
  readonly decidedAt: string;
}

export interface FraudRule {
  readonly rule: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly params: Readonly<Record<string, number>>;
}

/** The most held transfers the review page reads (the oldest first); the API pages them 100 at a time. */
export const QUEUE_CAP = 1_000;

/** The queue, page after page (keyset cursor) up to `QUEUE_CAP`. */
export async function heldTransfers(signal?: AbortSignal): Promise<HeldTransfer[]> {
  const items: HeldTransfer[] = [];
  for (let url: string | null = '/api/ledger/reviews?limit=100'; url && items.length < QUEUE_CAP;) {
    const page: { items: HeldTransfer[]; next: string | null } = await api(url, signal ? { signal } : {});
    items.push(...page.items);
    url = page.next;
  }
  return items.slice(0, QUEUE_CAP);
}

/** Approve (posts the transfer) or reject (releases the reservation); the note is required and audited. */
export function decide(transferId: string, decision: 'approve' | 'reject', note: string): Promise<LedgerTransfer> {
  return api<LedgerTransfer>(`/api/ledger/reviews/${encodeURIComponent(transferId)}/${decision}`, { method: 'POST', body: { note } });
}

export async function auditTrail(transferId: string, signal?: AbortSignal): Promise<ReviewRecord[]> {
  return (await api<{ items: ReviewRecord[] }>(`/api/ledger/reviews/${encodeURIComponent(transferId)}/audit`, signal ? { signal } : {})).items;
}

export async function fraudRules(signal?: AbortSignal): Promise<FraudRule[]> {
  return (await api<{ items: FraudRule[] }>('/api/ledger/fraud-rules', signal ? { signal } : {})).items;
}
