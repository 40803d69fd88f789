// What an order's state means to a customer: labels, the reasons an order ends, and the timeline of steps it went through.
import type { HistoryStep, OrderStatus } from './order-types.ts';

/** The happy path, in order. */
export const PATH: readonly OrderStatus[] = ['placed', 'reserved', 'paid', 'confirmed', 'shipped', 'delivered'];

const ENDED: readonly OrderStatus[] = ['rejected', 'cancelled'];

/** How far along an order is; states only ever move up (a final state outranks all). */
export function rank(status: OrderStatus): number {
  return ENDED.includes(status) ? PATH.length : PATH.indexOf(status);
}

export const STATUS_LABEL: Readonly<Record<OrderStatus, string>> = {
  placed: 'Placed',
  reserved: 'Reserved',
  paid: 'Paid',
  confirmed: 'Confirmed',
  shipped: 'Shipped',
  delivered: 'Delivered',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

/** What each step means for the customer (the timeline's tooltips and screen-reader text). */
export const STATUS_HINT: Readonly<Record<OrderStatus, string>> = {
  placed: 'received, waiting for stock',
  reserved: 'stock held for you, charging the payment',
  paid: 'payment captured',
  confirmed: 'paid and confirmed, waiting to ship',
  shipped: 'on its way',
  delivered: 'delivered',
  rejected: 'not completed',
  cancelled: 'cancelled',
};

const REASON_LABEL: Readonly<Record<string, string>> = {
  'out-of-stock': 'Out of stock',
  'unknown-product': 'A product no longer exists',
  'mixed-currency': 'Products in different currencies',
  'payment-declined': 'Payment declined',
  'payment-failed': 'Payment provider unavailable',
  'reservation-expired': 'The stock reservation expired',
  customer: 'Cancelled by you',
  operator: 'Cancelled by an operator',
  'service-unavailable': 'A service was unavailable',
};

export function reasonLabel(reason: string | null): string {
  return reason ? (REASON_LABEL[reason] ?? reason) : 'No reason given';
}

/** One step of the timeline: reached (with when, when known), the current one, or still ahead. */
export interface TimelineStep {
  readonly status: OrderStatus;
  readonly state: 'done' | 'current' | 'ahead' | 'failed';
  readonly at?: string | undefined;
}

/**
 * The steps to show for an order in `status`: the path up to where it is (or where it stopped, then its end), and
 * the steps still ahead. `seen` are the steps known with their time (history, live events).
 * @example timeline('paid', []) // placed done, reserved done, paid current, confirmed…delivered ahead
 */
export function timeline(status: OrderStatus, seen: readonly Pick<HistoryStep, 'status' | 'at'>[]): TimelineStep[] {
  const at = new Map(seen.map((s) => [s.status, s.at]));
  if (ENDED.includes(status)) {
    // where it stopped: the furthest step seen on the path; without history only `placed` is certain
    const reached = Math.max(0, ...seen.map((s) => PATH.indexOf(s.status)));
    return [...PATH.slice(0, reached + 1).map((s) => ({ status: s, state: 'done' as const, at: at.get(s) })), { status, state: 'failed', at: at.get(status) }];
  }
  const i = PATH.indexOf(status);
  return PATH.map((s, j) => ({ status: s, state: j < i ? 'done' : j === i ? 'current' : 'ahead', at: at.get(s) }));
}
