// Orders' use cases: placement with idempotency keys, the saga's transitions, customer cancellation, shipping and delivery.
import { createHash } from 'node:crypto';
import { Batcher, inNamespace, MillraceError, uuidv7, type Envelope, type Outbox, type Settled, type Tx } from '@millrace/platform';
import { CANCELLABLE, canMove, EVENT_OF, react, type OrderStatus } from './domain.ts';
import { orderCodes } from './errors.ts';
import { history, idempotencyKeys, orderView, orders, stateOf, type HistoryRow, type OrderRow, type OrderView } from './store.ts';

export interface OrderLineInput {
  readonly productId: string;
  readonly quantity: number;
}

export interface PlaceResult {
  readonly order: OrderView;
  /** True when the idempotency key was seen before: `order` is the answer given then. */
  readonly replayed: boolean;
}

interface Placement {
  readonly customerId: string;
  readonly lines: readonly OrderLineInput[];
  readonly idempotencyKey: string | undefined;
  readonly flow: 'events' | 'sync';
}

export interface OrdersOptions {
  readonly outbox: Outbox;
  readonly now: () => Date;
  /** Topic namespace (the platform's `topicIn` / `inNamespace`). Default none. */
  readonly namespace?: string;
}

const requestHash = (lines: readonly OrderLineInput[]) =>
  createHash('sha256').update(JSON.stringify(lines.map((l) => [l.productId, l.quantity]))).digest('hex');

export class Orders {
  readonly #o: OrdersOptions;
  readonly #placer: Batcher<Placement, PlaceResult>;

  constructor(options: OrdersOptions) {
    this.#o = options;
    // two batches in flight: one commits while the next one fills
    this.#placer = new Batcher((batch) => this.#placeAll(batch), { concurrency: options.outbox.database.kind === 'pglite' ? 1 : 2 });
  }

  get outbox(): Outbox {
    return this.#o.outbox;
  }

  /**
   * Places an order (state `placed`, event `orders.order-placed`). With an idempotency key, the key, the order and
   * the answer commit together: a retry (even concurrent) gets the first answer and creates nothing.
   * @example await orders.place('cust-1', [{ productId, quantity: 2 }], 'key-123')
   */
  place(customerId: string, lines: readonly OrderLineInput[], idempotencyKey?: string, flow: 'events' | 'sync' = 'events'): Promise<PlaceResult> {
    return this.#placer.submit({ customerId, lines, idempotencyKey, flow });
  }

  /**
   * Placements arriving together share one transaction: the keys are claimed with one statement (in key order, so
   * two batches never deadlock), orders and history are inserted with one statement each. A key used twice in one
   * batch is claimed by the first request; the second gets its answer, as a retry after it would.
   */
  async #placeAll(batch: readonly Placement[]): Promise<Array<Settled<PlaceResult>>> {
    return this.#o.outbox.transaction(async (outer) => {
      const tx = inNamespace(outer, this.#o.namespace ?? '');
      const now = this.#o.now();
      const made = batch.map((p) => {
        const row: OrderRow = {
          id: uuidv7(), customer_id: p.customerId, status: 'placed', lines: p.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
          priced_lines: null, amount: null, currency: null, payment_id: null, reason: null, detail: null,
          stock_compensation: null, payment_compensation: null, flow: p.flow, placed_at: now, updated_at: now, version: 1,
        };
        const keyed = p.idempotencyKey !== undefined;
        return { p, row, view: orderView(row), hash: keyed ? requestHash(row.lines) : '', key: keyed ? `${p.customerId}\u0000${p.idempotencyKey}` : undefined };
      });
      const keyed = made.filter((m) => m.key !== undefined);
      const won = await idempotencyKeys.claimMany(tx.db, keyed.map((m) => ({
        customer_id: m.p.customerId, key: m.p.idempotencyKey!, request_hash: m.hash, order_id: m.row.id, response: m.view, created_at: now,
      })));
      // who holds each key: a request of this batch, or an earlier request (its stored answer)
      const holder = new Map<string, { request_hash: string; response: unknown }>();
      for (const m of keyed) if (won.has(m.row.id)) holder.set(m.key!, { request_hash: m.hash, response: m.view });
      const elsewhere = keyed.filter((m) => !holder.has(m.key!));
      for (const r of await idempotencyKeys.find(tx.db, elsewhere.map((m) => [m.p.customerId, m.p.idempotencyKey!] as const))) {
        holder.set(`${r.customer_id}\u0000${r.key}`, r);
      }
      const fresh = made.filter((m) => m.key === undefined || won.has(m.row.id));
      await orders.insertMany(tx.db, fresh.map((m) => m.row));
      await history.addMany(tx.db, fresh.map((m) => ({ order_id: m.row.id, status: 'placed', cause: 'customer', reason: null, at: now })));
      for (const { row } of fresh) {
        if (row.flow === 'events') {
          tx.publish({ type: 'orders.order-placed', key: row.id, data: { orderId: row.id, customerId: row.customer_id, status: 'placed', lines: row.lines, placedAt: now.toISOString() } });
        }
      }
      return made.map((m): Settled<PlaceResult> => {
        if (m.key === undefined || won.has(m.row.id)) return { ok: { order: m.view, replayed: false } };
        const h = holder.get(m.key)!;
        if (h.request_hash !== m.hash) return { err: new MillraceError('conflict', orderCodes.idempotencyKeyReused, 'this Idempotency-Key was used for a different request') };
        return { ok: { order: h.response as OrderView, replayed: true } };
      });
    });
  }

  /**
   * Applies inventory and payments events to their orders (the saga's orchestration step) in the handler's
   * transaction: the batch's orders are locked once, moved in memory in event order, and written back together.
   */
  async onSagaEvents(outer: Tx, events: readonly Envelope[]): Promise<void> {
    const tx = inNamespace(outer, this.#o.namespace ?? '');
    const orderIdOf = (e: Envelope) => (e.data as { orderId?: string }).orderId;
    const ids = events.map(orderIdOf).filter((id): id is string => id !== undefined);
    const rows = new Map((await orders.lockMany(tx.db, ids)).map((r) => [r.id, r]));
    const changed = new Set<string>();
    const moves: HistoryRow[] = [];
    const now = this.#o.now();
    for (const event of events) {
      const row = rows.get(orderIdOf(event) ?? '');
      if (!row || row.flow !== 'events') continue; // the synchronous variant drives its own orders
      const step = react(stateOf(row), { type: event.type, data: event.data as Record<string, unknown> });
      if (!step) continue;
      const patch: Partial<OrderRow> = {};
      if (step.patch?.amount !== undefined) patch.amount = String(step.patch.amount);
      if (step.patch?.currency !== undefined) patch.currency = step.patch.currency;
      if (step.patch?.pricedLines !== undefined) patch.priced_lines = step.patch.pricedLines && [...step.patch.pricedLines];
      if (step.patch?.paymentId !== undefined) patch.payment_id = step.patch.paymentId;
      if (step.compensation?.stock) patch.stock_compensation = step.compensation.stock;
      if (step.compensation?.payment) patch.payment_compensation = step.compensation.payment;
      const next = step.to
        ? this.#moved(tx, row, step.to, event.type, { reason: step.reason, detail: step.detail, patch }, now, moves)
        : { ...row, ...patch, updated_at: now, version: row.version + 1 };
      rows.set(row.id, next);
      changed.add(row.id);
    }
    await orders.writeMany(tx.db, [...changed].map((id) => rows.get(id)!));
    await history.addMany(tx.db, moves);
  }

  /** Customer (own orders) or staff cancellation, allowed until the order ships. */
  async cancel(orderId: string, by: { id: string; staff: boolean }, detail = 'cancelled by the customer'): Promise<OrderView> {
    return this.#o.outbox.transaction(async (tx) => {
      const row = await this.#load(tx, orderId, by);
      if (!CANCELLABLE.includes(row.status)) {
        throw new MillraceError('conflict', orderCodes.notCancellable, `an order that is ${row.status} can no longer be cancelled`);
      }
      return this.transition(tx, row, 'cancelled', by.staff ? 'operator' : 'customer', { reason: by.staff ? 'operator' : 'customer', detail, by: by.id });
    });
  }

  /** Operator: confirmed -> shipped (the shipping step, kept simple: a carrier and a tracking number). */
  async ship(orderId: string, by: string, shipment: { carrier: string; trackingNumber: string }): Promise<OrderView> {
    return this.#o.outbox.transaction(async (tx) => this.transition(tx, await this.#load(tx, orderId, { id: by, staff: true }), 'shipped', 'operator', { shipment }));
  }

  async deliver(orderId: string, by: string): Promise<OrderView> {
    return this.#o.outbox.transaction(async (tx) => this.transition(tx, await this.#load(tx, orderId, { id: by, staff: true }), 'delivered', 'operator', {}));
  }

  async #load(tx: Tx, orderId: string, by: { id: string; staff: boolean }): Promise<OrderRow> {
    const row = await orders.byId(tx.db, orderId, true);
    if (!row || (!by.staff && row.customer_id !== by.id)) throw new MillraceError('not-found', orderCodes.notFound, 'no such order');
    return row;
  }

  /** Moves an order, records its history, publishes its event (events flow only). Throws on a move the machine forbids. */
  async transition(tx: Tx, row: OrderRow, to: OrderStatus, cause: string, o: MoveDetails): Promise<OrderView> {
    const moves: HistoryRow[] = [];
    const next = this.#moved(inNamespace(tx, this.#o.namespace ?? ''), row, to, cause, o, this.#o.now(), moves);
    await orders.writeMany(tx.db, [next]);
    await history.addMany(tx.db, moves);
    return orderView(next);
  }

  /** The order after the move, in memory; its history row goes to `moves`, its event is published on `tx`. */
  #moved(tx: Tx, row: OrderRow, to: OrderStatus, cause: string, o: MoveDetails, now: Date, moves: HistoryRow[]): OrderRow {
    if (!canMove(row.status, to)) throw new MillraceError('conflict', orderCodes.badTransition, `an order that is ${row.status} cannot become ${to}`);
    const next: OrderRow = { ...row, ...o.patch, status: to, updated_at: now, version: row.version + 1, ...(o.reason ? { reason: o.reason, detail: o.detail ?? null } : {}) };
    moves.push({ order_id: row.id, status: to, cause, reason: o.reason ?? null, at: now });
    if (row.flow === 'events') tx.publish({ type: EVENT_OF[to], key: row.id, data: eventData(row, next, o) });
    return next;
  }
}

interface MoveDetails {
  reason?: string | undefined;
  detail?: string | undefined;
  by?: string;
  patch?: Partial<OrderRow>;
  shipment?: { carrier: string; trackingNumber: string };
}

function eventData(before: OrderRow, after: OrderRow, o: MoveDetails) {
  const base = { orderId: after.id, customerId: after.customer_id, status: after.status };
  switch (after.status) {
    case 'reserved':
      return { ...base, lines: after.priced_lines ?? [], amount: Number(after.amount), currency: after.currency! };
    case 'paid':
      return { ...base, paymentId: after.payment_id!, amount: Number(after.amount), currency: after.currency! };
    case 'shipped':
      return { ...base, carrier: o.shipment!.carrier, trackingNumber: o.shipment!.trackingNumber };
    case 'rejected':
      return { ...base, reason: o.reason!, detail: o.detail ?? '', previousStatus: before.status };
    case 'cancelled':
      return { ...base, reason: o.reason!, detail: o.detail ?? '', previousStatus: before.status, by: o.by ?? 'system' };
    default:
      return base;
  }
}
