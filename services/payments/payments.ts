// Payments' use cases: a payment per order, charged by a worker outside any transaction, idempotent against the provider.
import { randomUUID } from 'node:crypto';
import { Batcher, inNamespace, uuidv7, type Logger, type Outbox, type Settled, type Tx } from '@millrace/platform';
import { isProviderUnavailable, type PaymentProvider } from './provider.ts';
import { payments, type PaymentRow } from './store.ts';

export interface PaymentsOptions {
  readonly outbox: Outbox;
  readonly provider: PaymentProvider;
  readonly now: () => Date;
  readonly log?: Logger | undefined;
  /** Authorization attempts while the provider is unreachable before the payment fails. Default 6. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt up to 5 s. Default 200 ms. */
  readonly backoffMs?: number;
  /** How long a worker owns a claimed payment; a dead worker's payments are taken over after it. Default 10 s. */
  readonly leaseMs?: number;
  /** Provider calls in flight per worker. Default 64. */
  readonly concurrency?: number;
  /** Idle poll of the worker. Default 50 ms. */
  readonly pollMs?: number;
  /** Topic namespace (the platform's `topicIn` / `inNamespace`). Default none. */
  readonly namespace?: string | undefined;
}

export interface PaymentRequest {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
}

type Outcome = (tx: Tx, current: PaymentRow) => Partial<PaymentRow>;
type QueuedOutcome = { row: PaymentRow; token: string; outcome: Outcome; release: boolean };

/** Provider idempotency keys: derived from the order, so no redelivery, retry or restart can charge an order twice. */
export const keys = {
  authorize: (orderId: string) => `authorize:${orderId}`,
  capture: (orderId: string) => `capture:${orderId}`,
  refund: (orderId: string) => `refund:${orderId}`,
};

/**
 * Payment states: pending -> captured | declined | failed | voided; captured -> refund-pending -> refunded.
 * The worker calls the provider outside any database transaction, then commits the outcome with its event,
 * fenced by its lease so a worker that lost its lease commits nothing.
 */
export class Payments {
  readonly #o: PaymentsOptions;
  readonly #token = randomUUID();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #stopped = true;
  readonly #committer = new Batcher<QueuedOutcome, void>((batch) => this.#commitAll(batch));

  constructor(options: PaymentsOptions) {
    this.#o = options;
  }

  /** Records payments to make (saga step after the stock is reserved). Idempotent per order. */
  async request(tx: Tx, ...requests: readonly PaymentRequest[]): Promise<void> {
    const now = this.#o.now();
    await payments.insertMany(tx.db, requests.map((r) => ({ id: uuidv7(), order_id: r.orderId, customer_id: r.customerId, amount: r.amount, currency: r.currency, created_at: now })));
  }

  /** Compensation when the order ends without shipping: never charge a pending payment, refund a captured one. */
  async cancel(tx: Tx, orderId: string, reason: string): Promise<void> {
    await this.cancelMany(tx, [{ orderId, reason }]);
  }

  /** `cancel` for several orders, their payments locked with one statement. */
  async cancelMany(outer: Tx, orders: ReadonlyArray<{ orderId: string; reason: string }>): Promise<void> {
    const tx = inNamespace(outer, this.#o.namespace ?? '');
    const rows = new Map((await payments.lockByOrders(tx.db, orders.map((o) => o.orderId))).map((p) => [p.order_id, p]));
    const now = this.#o.now();
    for (const { orderId, reason } of orders) {
      const p = rows.get(orderId);
      if (!p) continue;
      const leased = p.lease_until !== null && p.lease_until > now;
      let patch: Partial<PaymentRow> | undefined;
      if (p.status === 'pending' && !leased && p.authorization_id === null) {
        patch = { status: 'voided', reason, updated_at: now, lease_token: null, lease_until: null };
        tx.publish({ type: 'payments.payment-voided', key: orderId, data: { ...this.#base(p), reason } });
      } else if (p.status === 'pending') {
        // a worker may be charging it right now: it turns the capture into a refund when it commits
        patch = { cancel_requested: true, reason, updated_at: now };
      } else if (p.status === 'captured') {
        patch = { status: 'refund-pending', reason, next_attempt_at: now, attempts: 0, updated_at: now };
      }
      if (!patch) continue;
      await payments.update(tx.db, p.id, patch);
      rows.set(orderId, { ...p, ...patch });
    }
  }

  /** Starts the worker loop. */
  start(): void {
    this.#stopped = false;
    const loop = () => {
      if (this.#stopped) return;
      void this.tick().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.pollMs ?? 50);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#running || this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight]);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** One pass: claims due payments (up to free concurrency) and processes them. Returns how many were claimed. */
  async tick(): Promise<number> {
    if (this.#running) return 0;
    this.#running = true;
    try {
      const free = (this.#o.concurrency ?? 64) - this.#inFlight.size;
      if (free <= 0) return 0;
      const claimed = await this.#o.outbox.database.transaction((trx) => payments.claimDue(trx, this.#o.now(), this.#o.leaseMs ?? 10_000, this.#token, free));
      // every slot taken: more may be due, so a slot that frees claims again at once instead of at the next poll
      const saturated = claimed.length === free;
      for (const row of claimed) {
        const p: Promise<void> = this.#process(row).catch((err) => this.#o.log?.error({ err, orderId: row.order_id }, 'payment processing failed')).finally(() => {
          this.#inFlight.delete(p);
          if (saturated && !this.#stopped) void this.tick();
        });
        this.#inFlight.add(p);
      }
      return claimed.length;
    } catch (err) {
      this.#o.log?.warn({ err }, 'payment claim failed');
      return 0;
    } finally {
      this.#running = false;
    }
  }

  /** Charges now, inside the caller's request (the synchronous variant): claims the payment, processes it, answers its row. */
  async chargeNow(r: PaymentRequest): Promise<PaymentRow> {
    // the row is born leased to this request, so the background worker never takes it over mid-request
    const token = randomUUID();
    const now = this.#o.now();
    const row = await this.#o.outbox.transaction(async (tx) => {
      await payments.insertMany(tx.db, [{
        id: uuidv7(), order_id: r.orderId, customer_id: r.customerId, amount: r.amount, currency: r.currency, created_at: now,
        lease_token: token, lease_until: new Date(now.getTime() + (this.#o.leaseMs ?? 10_000)), attempts: 1,
      }]);
      return payments.byOrder(tx.db, r.orderId);
    });
    if (row?.lease_token !== token) return (await this.#processNow(r.orderId))!; // a retry: the order already had its payment
    await this.#process(row, token);
    return (await payments.byOrder(this.#o.outbox.database.kysely, r.orderId))!;
  }

  /** Voids or refunds now, inside the caller's request (the synchronous variant's compensation). */
  async refundNow(orderId: string, reason: string): Promise<PaymentRow | undefined> {
    await this.#o.outbox.transaction((tx) => this.cancel(tx, orderId, reason));
    return this.#processNow(orderId);
  }

  async #processNow(orderId: string): Promise<PaymentRow | undefined> {
    const token = randomUUID();
    const row = await this.#o.outbox.database.transaction(async (trx) => {
      const p = await payments.byOrder(trx, orderId, true);
      if (!p || (p.status !== 'pending' && p.status !== 'refund-pending')) return p;
      if (p.lease_until && p.lease_until > this.#o.now()) return p; // a worker holds it
      await payments.update(trx, p.id, { lease_token: token, lease_until: new Date(this.#o.now().getTime() + (this.#o.leaseMs ?? 10_000)), attempts: p.attempts + 1 });
      return { ...p, lease_token: token, attempts: p.attempts + 1 };
    });
    if (row && row.lease_token === token) await this.#process(row, token);
    return payments.byOrder(this.#o.outbox.database.kysely, orderId);
  }

  async #process(row: PaymentRow, token = this.#token): Promise<void> {
    const { provider } = this.#o;
    const amount = Number(row.amount);
    try {
      if (row.status === 'refund-pending') {
        const { refundId } = await provider.refund({ idempotencyKey: keys.refund(row.order_id), reference: row.order_id, captureId: row.capture_id!, amount });
        await this.#commit(row, token, (tx) => {
          tx.publish({ type: 'payments.payment-refunded', key: row.order_id, data: { ...this.#base(row), refundId } });
          return { status: 'refunded', refund_id: refundId };
        });
        return;
      }
      let authorizationId = row.authorization_id;
      if (!authorizationId) {
        const auth = await provider.authorize({ idempotencyKey: keys.authorize(row.order_id), reference: row.order_id, amount, currency: row.currency });
        if (auth.status === 'declined') {
          await this.#commit(row, token, (tx) => {
            tx.publish({ type: 'payments.payment-declined', key: row.order_id, data: { ...this.#base(row), reason: auth.reason } });
            return { status: 'declined', reason: auth.reason };
          });
          return;
        }
        authorizationId = auth.authorizationId;
        // remembered before capturing: from here on this payment is never given up, only captured (or refunded)
        await this.#commit(row, token, () => ({ authorization_id: authorizationId }), false);
      }
      const { captureId } = await provider.capture({ idempotencyKey: keys.capture(row.order_id), reference: row.order_id, authorizationId, amount });
      await this.#commit(row, token, (tx, current) => {
        tx.publish({ type: 'payments.payment-captured', key: row.order_id, data: { ...this.#base(row), authorizationId: authorizationId!, captureId } });
        const base = { authorization_id: authorizationId, capture_id: captureId };
        // cancelled while we were charging: the capture stands, and is refunded next
        return current.cancel_requested ? { ...base, status: 'refund-pending' as const, attempts: 0 } : { ...base, status: 'captured' as const };
      });
    } catch (err) {
      if (!isProviderUnavailable(err)) throw err;
      const giveUp = row.status === 'pending' && !row.authorization_id && row.attempts >= (this.#o.maxAttempts ?? 6);
      const now = this.#o.now();
      const delay = Math.min(5_000, (this.#o.backoffMs ?? 200) * 2 ** Math.min(row.attempts - 1, 10));
      await this.#commit(row, token, (tx, current) => {
        if (!giveUp) return { next_attempt_at: new Date(now.getTime() + delay) };
        const reason = (err as Error).message;
        if (current.cancel_requested) return { status: 'voided', reason: current.reason ?? 'cancelled' };
        tx.publish({ type: 'payments.payment-failed', key: row.order_id, data: { ...this.#base(row), reason, attempts: row.attempts } });
        return { status: 'failed', reason };
      });
    }
  }

  /**
   * Commits a processing outcome if this worker still holds the lease; releases the lease unless `release` is false.
   * Outcomes that finish together share one transaction that locks, checks and writes their rows together: the
   * worker's commits are its main cost.
   */
  #commit(row: PaymentRow, token: string, outcome: Outcome, release = true): Promise<void> {
    return this.#committer.submit({ row, token, outcome, release });
  }

  async #commitAll(batch: readonly QueuedOutcome[]): Promise<Array<Settled<void>>> {
    await this.#o.outbox.transaction(async (outer) => {
      const tx = inNamespace(outer, this.#o.namespace ?? '');
      const rows = new Map((await payments.lockMany(tx.db, batch.map((b) => b.row.id))).map((r) => [r.id, r]));
      const changed = new Set<string>();
      const now = this.#o.now();
      for (const b of batch) {
        const current = rows.get(b.row.id);
        if (!current || current.lease_token !== b.token) continue; // lease lost: the new holder repeats the call with the same key
        const patch = b.outcome(tx, current);
        rows.set(current.id, { ...current, ...patch, updated_at: now, ...(b.release ? { lease_token: null, lease_until: null } : {}) });
        changed.add(current.id);
      }
      await payments.writeMany(tx.db, [...changed].map((id) => rows.get(id)!));
    });
    return batch.map(() => ({ ok: undefined }));
  }

  #base(p: PaymentRow) {
    return { paymentId: p.id, orderId: p.order_id, amount: Number(p.amount), currency: p.currency };
  }
}
