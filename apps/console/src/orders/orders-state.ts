// The "my orders" page's state: the caller's orders, newest first, moved forward by live `orders.*` events and REST reads, whichever is newer.
import type { LiveEvent } from '../live/event-log.ts';
import type { HistoryStep, Order, OrderDetail, OrderStatus, PricedLine } from './order-types.ts';
import { PATH, rank } from './order-status.ts';

export interface Shipment {
  readonly carrier: string;
  readonly trackingNumber: string;
}

export interface OrdersState {
  readonly status: 'loading' | 'ready' | 'error';
  readonly error?: string;
  /** Newest first. */
  readonly orders: readonly Order[];
  /** Steps seen per order (history, live events), one per state. */
  readonly steps: Readonly<Record<string, readonly Pick<HistoryStep, 'status' | 'at'>[]>>;
  /** Carrier and tracking, known from the `order-shipped` event. */
  readonly shipments: Readonly<Record<string, Shipment>>;
  /** The next page of older orders, null at the end. */
  readonly next: string | null;
}

export type OrdersAction =
  | { readonly type: 'loaded'; readonly orders: readonly Order[]; readonly next: string | null }
  | { readonly type: 'more'; readonly orders: readonly Order[]; readonly next: string | null }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'order'; readonly order: Order | OrderDetail }
  | { readonly type: 'event'; readonly event: LiveEvent };

export const initialOrders: OrdersState = { status: 'loading', orders: [], steps: {}, shipments: {}, next: null };

/** `orders.*` event data: every event carries the order, its owner and its new state; the rest depends on the type. */
interface OrderEventData {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly lines?: readonly PricedLine[];
  readonly amount?: number;
  readonly currency?: string;
  readonly paymentId?: string;
  readonly reason?: string;
  readonly detail?: string;
  readonly previousStatus?: OrderStatus;
  readonly placedAt?: string;
  readonly carrier?: string;
  readonly trackingNumber?: string;
}

/** The order id an `orders.*` event is about. */
export function eventOrderId(event: LiveEvent): string | null {
  if (!event.type.startsWith('orders.')) return null;
  const id = (event.data as Partial<OrderEventData>).orderId;
  return typeof id === 'string' ? id : null;
}

export function ordersReducer(s: OrdersState, a: OrdersAction): OrdersState {
  switch (a.type) {
    case 'loaded': {
      // a reload keeps orders that arrived live meanwhile and never moves one backwards
      const loaded = a.orders.map((o) => newer(s.orders.find((x) => x.id === o.id), o));
      const kept = s.orders.filter((x) => !a.orders.some((o) => o.id === x.id));
      // after the first read, older pages loaded with "more" stay, and so does the cursor past them
      return { ...s, status: 'ready', orders: sortNewest([...kept, ...loaded]), next: s.status === 'ready' ? s.next : a.next };
    }
    case 'more': {
      const more = a.orders.filter((o) => !s.orders.some((x) => x.id === o.id));
      return { ...s, orders: [...s.orders, ...more], next: a.next };
    }
    case 'failed':
      return { ...s, status: 'error', error: a.error };
    case 'order': {
      const known = s.orders.find((x) => x.id === a.order.id);
      const { history, ...order } = a.order as OrderDetail;
      const merged = newer(known, order);
      const orders = known ? s.orders.map((x) => (x.id === merged.id ? merged : x)) : sortNewest([...s.orders, merged]);
      const steps = history ? mergeSteps(s.steps[order.id], history) : s.steps;
      return { ...s, orders, steps: steps === s.steps ? s.steps : { ...s.steps, [order.id]: steps as readonly Pick<HistoryStep, 'status' | 'at'>[] } };
    }
    case 'event':
      return applyEvent(s, a.event);
  }
}

function applyEvent(s: OrdersState, event: LiveEvent): OrdersState {
  const id = eventOrderId(event);
  if (!id) return s;
  const d = event.data as OrderEventData;
  const steps = { ...s.steps, [id]: mergeSteps(s.steps[id], [{ status: d.status, at: event.time }]) };
  const shipments = d.carrier && d.trackingNumber ? { ...s.shipments, [id]: { carrier: d.carrier, trackingNumber: d.trackingNumber } } : s.shipments;
  const known = s.orders.find((o) => o.id === id);
  if (!known) {
    // only a placement carries enough to show a new order; the page reads any other unknown order over REST
    if (event.type !== 'orders.order-placed') return { ...s, steps, shipments };
    const order: Order = {
      id, customerId: d.customerId, status: d.status, lines: d.lines ?? [], pricedLines: null, amount: null, currency: null, paymentId: null,
      reason: null, detail: null, compensation: { stock: null, payment: null }, placedAt: d.placedAt ?? event.time, updatedAt: event.time,
    };
    return { ...s, orders: sortNewest([order, ...s.orders]), steps, shipments };
  }
  if (rank(d.status) < rank(known.status)) return { ...s, steps, shipments };
  const patch: Partial<{ -readonly [K in keyof Order]: Order[K] }> = { status: d.status, updatedAt: event.time };
  if (event.type === 'orders.order-reserved' && d.lines) Object.assign(patch, { pricedLines: d.lines, amount: d.amount ?? null, currency: d.currency ?? null });
  if (event.type === 'orders.order-paid') Object.assign(patch, { paymentId: d.paymentId ?? null, amount: d.amount ?? known.amount, currency: d.currency ?? known.currency });
  if (d.reason) Object.assign(patch, { reason: d.reason, detail: d.detail ?? null });
  if (d.previousStatus) steps[id] = mergeSteps(steps[id], stepsUpTo(d.previousStatus));
  return { ...s, orders: s.orders.map((o) => (o.id === id ? { ...o, ...patch } : o)), steps, shipments };
}

/** The steps an order must have gone through to be in `status` (times unknown: they keep any known ones). */
function stepsUpTo(status: OrderStatus): Pick<HistoryStep, 'status' | 'at'>[] {
  const i = PATH.indexOf(status);
  return i < 0 ? [] : PATH.slice(0, i + 1).map((x) => ({ status: x, at: '' }));
}

function newer(known: Order | undefined, read: Order): Order {
  if (!known) return read;
  return rank(read.status) >= rank(known.status) ? read : known;
}

function mergeSteps(
  known: readonly Pick<HistoryStep, 'status' | 'at'>[] | undefined,
  add: readonly Pick<HistoryStep, 'status' | 'at'>[],
): readonly Pick<HistoryStep, 'status' | 'at'>[] {
  const by = new Map((known ?? []).map((x) => [x.status, x]));
  for (const x of add) {
    const had = by.get(x.status);
    if (!had || (!had.at && x.at)) by.set(x.status, { status: x.status, at: x.at });
  }
  return [...by.values()].sort((a, b) => rank(a.status) - rank(b.status));
}

function sortNewest(orders: readonly Order[]): Order[] {
  return [...orders].sort((a, b) => (a.placedAt < b.placedAt ? 1 : a.placedAt > b.placedAt ? -1 : a.id < b.id ? 1 : -1));
}
