// Stock movements inside a transaction: reserve, confirm, release, return and adjust, each with its events and journal rows.
// A unit of work (one HTTP call, or a whole batch of order events) locks its reservations and products once, moves
// stock in memory in order, and writes each table once: a batch of N events costs a handful of queries, not 5N.
import { inNamespace, type Tx } from '@millrace/platform';
import type { PricedLine, StockLevel } from './contract.ts';
import { alertsFor, decideReservation, levelOf, type ProductStock, type RequestedLine, type ReservationDecision } from './domain.ts';
import { movements, products, reservations, type ReservationRow, type ReservationStatus } from './store.ts';

export interface InventoryOptions {
  readonly now: () => Date;
  /** How long a reservation is held before it expires unless the order is paid. */
  readonly reservationTtlMs: number;
  /** Topic namespace (the platform's `topicIn` / `inNamespace`). Default none. */
  readonly namespace?: string;
}

type Kind = 'reserve' | 'confirm' | 'release' | 'return' | 'adjust';
export type ReleaseReason = 'order-rejected' | 'order-cancelled' | 'expired';

/** One step of the order saga, as the catalog's handler hands it over. */
export type StockOp =
  | { readonly op: 'reserve'; readonly orderId: string; readonly lines: readonly RequestedLine[] }
  | { readonly op: 'confirm'; readonly orderId: string }
  | { readonly op: 'release'; readonly orderId: string; readonly reason: ReleaseReason };

export type ReserveOutcome = ReservationDecision & { expiresAt?: string };

/** The rows a unit of work touches, locked once (reservations first, then products in id order), changed in memory, written once. */
class StockBook {
  readonly #products: Map<string, ProductStock>;
  readonly #reservations: Map<string, ReservationRow>;
  readonly #created = new Set<string>();
  readonly #statusChanged = new Set<string>();
  readonly #productsChanged = new Set<string>();
  readonly #journal: Array<{ productId: string; orderId: string | null; kind: Kind; quantity: number; onHand: number; reserved: number }> = [];

  private constructor(productRows: Map<string, ProductStock>, reservationRows: readonly ReservationRow[]) {
    this.#products = productRows;
    this.#reservations = new Map(reservationRows.map((r) => [r.order_id, r]));
  }

  static async open(tx: Tx, orderIds: readonly string[], productIds: readonly string[]): Promise<StockBook> {
    const held = await reservations.lockMany(tx.db, orderIds);
    const ids = new Set([...productIds, ...held.flatMap((r) => r.lines.map((l) => l.productId))]);
    return new StockBook(await products.lock(tx.db, [...ids]), held);
  }

  reservation(orderId: string): ReservationRow | undefined {
    return this.#reservations.get(orderId);
  }

  get products(): ReadonlyMap<string, ProductStock> {
    return this.#products;
  }

  hold(row: ReservationRow): void {
    this.#reservations.set(row.order_id, row);
    this.#created.add(row.order_id);
  }

  setStatus(orderId: string, status: ReservationStatus, now: Date, reason: string | null = null): void {
    const r = this.#reservations.get(orderId)!;
    this.#reservations.set(orderId, { ...r, status, updated_at: now, release_reason: reason ?? r.release_reason });
    if (!this.#created.has(orderId)) this.#statusChanged.add(orderId);
  }

  /** Moves each line's stock with `apply`; returns the levels after, and publishes any stock alert. */
  move(tx: Tx, orderId: string | null, kind: Kind, lines: readonly PricedLine[], apply: (p: ProductStock, quantity: number) => ProductStock): StockLevel[] {
    const levels: StockLevel[] = [];
    for (const line of lines) {
      const before = this.#products.get(line.productId);
      if (!before) continue; // deleted since: nothing left to move
      const after = apply(before, line.quantity);
      this.#products.set(after.id, after);
      this.#productsChanged.add(after.id);
      levels.push(levelOf(after));
      this.#journal.push({ productId: after.id, orderId, kind, quantity: line.quantity, onHand: after.onHand, reserved: after.reserved });
      for (const alert of alertsFor(before, after)) tx.publish({ type: alert.type, key: after.id, data: alert.data });
    }
    return levels;
  }

  async flush(tx: Tx, now: Date): Promise<void> {
    await products.setStockMany(tx.db, [...this.#productsChanged].map((id) => this.#products.get(id)!), now);
    await movements.record(tx.db, this.#journal, now);
    await reservations.insertMany(tx.db, [...this.#created].map((id) => this.#reservations.get(id)!));
    await reservations.setStatusMany(tx.db, [...this.#statusChanged].map((id) => this.#reservations.get(id)!));
  }
}

/** The inventory's use cases; each runs in the caller's transaction (an HTTP request or an event handler). */
export class Inventory {
  readonly #o: InventoryOptions;

  constructor(options: InventoryOptions) {
    this.#o = options;
  }

  /**
   * Reserves every line or none. Publishes `inventory.stock-reserved` or `inventory.reservation-rejected`.
   * A second call for the same order answers the first outcome again (redelivery).
   */
  async reserve(tx: Tx, orderId: string, lines: readonly RequestedLine[]): Promise<ReserveOutcome> {
    return (await this.apply(tx, [{ op: 'reserve', orderId, lines }]))[0] as ReserveOutcome;
  }

  /** Held -> confirmed: the reserved units leave the shelf. False when the reservation is not held (expired, released). */
  async confirm(tx: Tx, orderId: string): Promise<boolean> {
    return (await this.apply(tx, [{ op: 'confirm', orderId }]))[0] as boolean;
  }

  /** Compensation: a held reservation is released, a confirmed one returned to stock. Nothing held: nothing to do. */
  async release(tx: Tx, orderId: string, reason: ReleaseReason): Promise<void> {
    await this.apply(tx, [{ op: 'release', orderId, reason }]);
  }

  /** Applies saga steps in order in one unit of work; answers each step's outcome (see reserve, confirm, release). */
  async apply(outer: Tx, ops: readonly StockOp[]): Promise<Array<ReserveOutcome | boolean | undefined>> {
    const tx = this.#ns(outer);
    const book = await StockBook.open(tx, ops.map((o) => o.orderId), ops.flatMap((o) => (o.op === 'reserve' ? o.lines.map((l) => l.productId) : [])));
    const now = this.#o.now();
    const out = ops.map((o) => {
      if (o.op === 'reserve') return this.#reserve(tx, book, now, o.orderId, o.lines);
      if (o.op === 'confirm') return this.#confirm(tx, book, now, o.orderId);
      this.#release(tx, book, now, o.orderId, o.reason);
      return undefined;
    });
    await book.flush(tx, now);
    return out;
  }

  #reserve(tx: Tx, book: StockBook, now: Date, orderId: string, lines: readonly RequestedLine[]): ReserveOutcome {
    const existing = book.reservation(orderId);
    if (existing) return { ok: true, lines: existing.lines, amount: Number(existing.amount), currency: existing.currency, expiresAt: existing.expires_at.toISOString() };
    const decision = decideReservation(lines, book.products);
    if (!decision.ok) {
      tx.publish({ type: 'inventory.reservation-rejected', key: orderId, data: { orderId, reason: decision.reason, productIds: decision.productIds } });
      return decision;
    }
    const levels = book.move(tx, orderId, 'reserve', decision.lines, (p, q) => ({ ...p, reserved: p.reserved + q }));
    const expiresAt = new Date(now.getTime() + this.#o.reservationTtlMs);
    book.hold({
      order_id: orderId, status: 'held', lines: decision.lines, amount: String(decision.amount), currency: decision.currency,
      expires_at: expiresAt, release_reason: null, created_at: now, updated_at: now,
    });
    tx.publish({
      type: 'inventory.stock-reserved', key: orderId,
      data: { orderId, lines: decision.lines, amount: decision.amount, currency: decision.currency, expiresAt: expiresAt.toISOString(), levels },
    });
    return { ...decision, expiresAt: expiresAt.toISOString() };
  }

  #confirm(tx: Tx, book: StockBook, now: Date, orderId: string): boolean {
    const r = book.reservation(orderId);
    if (!r || r.status !== 'held') return r?.status === 'confirmed';
    const levels = book.move(tx, orderId, 'confirm', r.lines, (p, q) => ({ ...p, onHand: p.onHand - q, reserved: p.reserved - q }));
    book.setStatus(orderId, 'confirmed', now);
    tx.publish({ type: 'inventory.reservation-confirmed', key: orderId, data: { orderId, lines: r.lines, levels } });
    return true;
  }

  #release(tx: Tx, book: StockBook, now: Date, orderId: string, reason: ReleaseReason): void {
    const r = book.reservation(orderId);
    if (r?.status === 'held') {
      const levels = book.move(tx, orderId, 'release', r.lines, (p, q) => ({ ...p, reserved: p.reserved - q }));
      book.setStatus(orderId, 'released', now, reason);
      tx.publish({ type: 'inventory.reservation-released', key: orderId, data: { orderId, reason, lines: r.lines, levels } });
    } else if (r?.status === 'confirmed' && reason === 'order-cancelled') {
      const levels = book.move(tx, orderId, 'return', r.lines, (p, q) => ({ ...p, onHand: p.onHand + q }));
      book.setStatus(orderId, 'returned', now, reason);
      tx.publish({ type: 'inventory.stock-returned', key: orderId, data: { orderId, lines: r.lines, levels } });
    }
  }

  /** Admin restock or correction. Refuses to go below what is reserved (the CHECK constraint backs it). */
  async adjust(outer: Tx, productId: string, delta: number, by: string): Promise<StockLevel | undefined> {
    const tx = this.#ns(outer);
    const book = await StockBook.open(tx, [], [productId]);
    const p = book.products.get(productId);
    if (!p) return undefined;
    const [level] = book.move(tx, null, 'adjust', [{ productId, sku: p.sku, quantity: delta, unitPrice: p.price }], (s, q) => ({ ...s, onHand: s.onHand + q }));
    await book.flush(tx, this.#o.now());
    tx.publish({ type: 'inventory.stock-adjusted', key: productId, data: { productId, delta, by, levels: [level!] } });
    return level;
  }

  /** Releases held reservations past their expiry; returns how many. */
  async expireDue(tx: Tx, limit = 100): Promise<number> {
    const due = await reservations.expired(tx.db, this.#o.now(), limit);
    if (due.length > 0) await this.apply(tx, due.map((orderId) => ({ op: 'release' as const, orderId, reason: 'expired' as const })));
    return due.length;
  }

  #ns(tx: Tx): Tx {
    return inNamespace(tx, this.#o.namespace ?? '');
  }

  /** The namespace's view of a transaction (for events published beside the inventory's, e.g. admin edits). */
  scoped(tx: Tx): Tx {
    return this.#ns(tx);
  }
}
