// Stock movements inside a transaction: reserve, confirm, release, return and adjust, each with its events and journal rows.
import type { Tx } from '@millrace/platform';
import type { PricedLine, StockLevel } from './contract.ts';
import { alertsFor, decideReservation, levelOf, mergeLines, type ProductStock, type RequestedLine, type ReservationDecision } from './domain.ts';
import { inNamespace } from './namespace.ts';
import { movements, products, reservations } from './store.ts';

export interface InventoryOptions {
  readonly now: () => Date;
  /** How long a reservation is held before it expires unless the order is paid. */
  readonly reservationTtlMs: number;
  /** Topic namespace (see namespace.ts). Default none. */
  readonly namespace?: string;
}

type Kind = 'reserve' | 'confirm' | 'release' | 'return' | 'adjust';

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
  async reserve(outer: Tx, orderId: string, lines: readonly RequestedLine[]): Promise<ReservationDecision & { expiresAt?: string }> {
    const tx = this.#ns(outer);
    const existing = await reservations.byOrder(tx.db, orderId);
    if (existing) return { ok: true, lines: existing.lines, amount: Number(existing.amount), currency: existing.currency, expiresAt: existing.expires_at.toISOString() };
    const now = this.#o.now();
    const locked = await products.lock(tx.db, mergeLines(lines).map((l) => l.productId));
    const decision = decideReservation(lines, locked);
    if (!decision.ok) {
      tx.publish({ type: 'inventory.reservation-rejected', key: orderId, data: { orderId, reason: decision.reason, productIds: decision.productIds } });
      return decision;
    }
    const levels = await this.#move(tx, orderId, 'reserve', decision.lines, locked, (p, q) => ({ ...p, reserved: p.reserved + q }));
    const expiresAt = new Date(now.getTime() + this.#o.reservationTtlMs);
    await reservations.insert(tx.db, { order_id: orderId, status: 'held', lines: decision.lines, amount: decision.amount, currency: decision.currency, expires_at: expiresAt, created_at: now });
    tx.publish({
      type: 'inventory.stock-reserved', key: orderId,
      data: { orderId, lines: decision.lines, amount: decision.amount, currency: decision.currency, expiresAt: expiresAt.toISOString(), levels },
    });
    return { ...decision, expiresAt: expiresAt.toISOString() };
  }

  /** Held -> confirmed: the reserved units leave the shelf. False when the reservation is not held (expired, released). */
  async confirm(outer: Tx, orderId: string): Promise<boolean> {
    const tx = this.#ns(outer);
    const r = await reservations.byOrder(tx.db, orderId, true);
    if (!r || r.status !== 'held') return r?.status === 'confirmed';
    const locked = await products.lock(tx.db, r.lines.map((l) => l.productId));
    const levels = await this.#move(tx, orderId, 'confirm', r.lines, locked, (p, q) => ({ ...p, onHand: p.onHand - q, reserved: p.reserved - q }));
    await reservations.setStatus(tx.db, orderId, 'confirmed', this.#o.now());
    tx.publish({ type: 'inventory.reservation-confirmed', key: orderId, data: { orderId, lines: r.lines, levels } });
    return true;
  }

  /** Compensation: a held reservation is released, a confirmed one returned to stock. Nothing held: nothing to do. */
  async release(outer: Tx, orderId: string, reason: 'order-rejected' | 'order-cancelled' | 'expired'): Promise<void> {
    const tx = this.#ns(outer);
    const r = await reservations.byOrder(tx.db, orderId, true);
    if (!r) return;
    const now = this.#o.now();
    if (r.status === 'held') {
      const locked = await products.lock(tx.db, r.lines.map((l) => l.productId));
      const levels = await this.#move(tx, orderId, 'release', r.lines, locked, (p, q) => ({ ...p, reserved: p.reserved - q }));
      await reservations.setStatus(tx.db, orderId, 'released', now, reason);
      tx.publish({ type: 'inventory.reservation-released', key: orderId, data: { orderId, reason, lines: r.lines, levels } });
    } else if (r.status === 'confirmed' && reason === 'order-cancelled') {
      const locked = await products.lock(tx.db, r.lines.map((l) => l.productId));
      const levels = await this.#move(tx, orderId, 'return', r.lines, locked, (p, q) => ({ ...p, onHand: p.onHand + q }));
      await reservations.setStatus(tx.db, orderId, 'returned', now, reason);
      tx.publish({ type: 'inventory.stock-returned', key: orderId, data: { orderId, lines: r.lines, levels } });
    }
  }

  /** Admin restock or correction. Refuses to go below what is reserved (the CHECK constraint backs it). */
  async adjust(outer: Tx, productId: string, delta: number, by: string): Promise<StockLevel | undefined> {
    const tx = this.#ns(outer);
    const locked = await products.lock(tx.db, [productId]);
    const p = locked.get(productId);
    if (!p) return undefined;
    const [level] = await this.#move(tx, null, 'adjust', [{ productId, sku: p.sku, quantity: delta, unitPrice: p.price }], locked, (s, q) => ({ ...s, onHand: s.onHand + q }));
    tx.publish({ type: 'inventory.stock-adjusted', key: productId, data: { productId, delta, by, levels: [level!] } });
    return level;
  }

  /** Releases held reservations past their expiry; returns how many. */
  async expireDue(tx: Tx, limit = 100): Promise<number> {
    const due = await reservations.expired(tx.db, this.#o.now(), limit);
    for (const orderId of due) await this.release(tx, orderId, 'expired');
    return due.length;
  }

  #ns(tx: Tx): Tx {
    return inNamespace(tx, this.#o.namespace ?? '');
  }

  /** The namespace's view of a transaction (for events published beside the inventory's, e.g. admin edits). */
  scoped(tx: Tx): Tx {
    return this.#ns(tx);
  }

  async #move(
    tx: Tx, orderId: string | null, kind: Kind, lines: readonly PricedLine[], locked: Map<string, ProductStock>,
    apply: (p: ProductStock, quantity: number) => ProductStock,
  ): Promise<StockLevel[]> {
    const now = this.#o.now();
    const levels: StockLevel[] = [];
    const journal = [];
    for (const line of lines) {
      const before = locked.get(line.productId);
      if (!before) continue; // deleted since: nothing left to move
      const after = apply(before, line.quantity);
      locked.set(after.id, after);
      await products.setStock(tx.db, after, now);
      levels.push(levelOf(after));
      journal.push({ productId: after.id, orderId, kind, quantity: line.quantity, onHand: after.onHand, reserved: after.reserved });
      for (const alert of alertsFor(before, after)) tx.publish({ type: alert.type, key: after.id, data: alert.data });
    }
    await movements.record(tx.db, journal, now);
    return levels;
  }
}
