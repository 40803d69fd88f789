// Inventory decisions, pure: whether an order's lines can be reserved, the levels after a movement, and stock alerts.
import type { PricedLine, StockLevel } from './contract.ts';

export interface ProductStock {
  readonly id: string;
  readonly sku: string;
  readonly price: number;
  readonly currency: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly lowStockThreshold: number;
}

export interface RequestedLine {
  readonly productId: string;
  readonly quantity: number;
}

export type ReservationDecision =
  | { readonly ok: true; readonly lines: PricedLine[]; readonly amount: number; readonly currency: string }
  | { readonly ok: false; readonly reason: 'out-of-stock' | 'unknown-product' | 'mixed-currency'; readonly productIds: string[] };

/** Lines of one product added together, sorted by product id (the lock order, so concurrent reservations never deadlock). */
export function mergeLines(lines: readonly RequestedLine[]): RequestedLine[] {
  const sum = new Map<string, number>();
  for (const l of lines) sum.set(l.productId, (sum.get(l.productId) ?? 0) + l.quantity);
  return [...sum].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * All or nothing: every line must name a known product with enough available units, in one currency.
 * @example decideReservation([{ productId: 'p1', quantity: 2 }], new Map([['p1', product]]))
 */
export function decideReservation(requested: readonly RequestedLine[], products: ReadonlyMap<string, ProductStock>): ReservationDecision {
  const lines = mergeLines(requested);
  const unknown = lines.filter((l) => !products.has(l.productId)).map((l) => l.productId);
  if (unknown.length > 0) return { ok: false, reason: 'unknown-product', productIds: unknown };
  const short = lines.filter((l) => available(products.get(l.productId)!) < l.quantity).map((l) => l.productId);
  if (short.length > 0) return { ok: false, reason: 'out-of-stock', productIds: short };
  const currencies = new Set(lines.map((l) => products.get(l.productId)!.currency));
  if (currencies.size > 1) return { ok: false, reason: 'mixed-currency', productIds: lines.map((l) => l.productId) };
  const priced = lines.map((l) => {
    const p = products.get(l.productId)!;
    return { productId: p.id, sku: p.sku, quantity: l.quantity, unitPrice: p.price };
  });
  const amount = priced.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
  if (!Number.isSafeInteger(amount)) return { ok: false, reason: 'out-of-stock', productIds: lines.map((l) => l.productId) };
  return { ok: true, lines: priced, amount, currency: [...currencies][0]! };
}

export const available = (p: Pick<ProductStock, 'onHand' | 'reserved'>): number => p.onHand - p.reserved;

export function levelOf(p: ProductStock): StockLevel {
  return { productId: p.id, sku: p.sku, onHand: p.onHand, reserved: p.reserved, available: available(p) };
}

export type StockAlert =
  | { readonly type: 'inventory.out-of-stock'; readonly data: { productId: string; sku: string } }
  | { readonly type: 'inventory.low-stock'; readonly data: { productId: string; sku: string; available: number; threshold: number } };

/** Alerts raised when a movement takes available stock across a line: to zero, or under the low-stock threshold. */
export function alertsFor(before: ProductStock, after: ProductStock): StockAlert[] {
  const was = available(before);
  const now = available(after);
  if (now >= was) return [];
  if (now === 0) return [{ type: 'inventory.out-of-stock', data: { productId: after.id, sku: after.sku } }];
  if (after.lowStockThreshold > 0 && now <= after.lowStockThreshold && was > after.lowStockThreshold) {
    return [{ type: 'inventory.low-stock', data: { productId: after.id, sku: after.sku, available: now, threshold: after.lowStockThreshold } }];
  }
  return [];
}
