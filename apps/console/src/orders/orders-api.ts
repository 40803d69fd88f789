// The orders API as the console calls it (`/api/orders`): place (Idempotency-Key), list, one order with its history, cancel, ship, deliver, operations views.
import { api, apiStatus, ApiError } from '../api/http.ts';
import type { Order, OrderLine, OrderPage, OrderDetail, OrderStatus } from './order-types.ts';

export { CANCELLABLE, ORDER_STATUSES } from './order-types.ts';
export type { HistoryStep, Order, OrderDetail, OrderLine, OrderPage, OrderStatus, PricedLine } from './order-types.ts';

/** What placing an order answered: created, or the earlier answer to the same key (`replayed`). */
export type PlaceOutcome =
  | { readonly outcome: 'placed' | 'replayed'; readonly order: Order }
  | { readonly outcome: 'refused'; readonly status: number; readonly code: string; readonly detail: string };

/**
 * Places an order under an idempotency key: the same key and body is the same order however often it is sent.
 * 4xx answers are outcomes; network failures and 5xx throw ApiError (the outcome is unknown: retry with the same key).
 * @example await placeOrder([{ productId, quantity: 2 }], newIdempotencyKey())
 */
export async function placeOrder(lines: readonly OrderLine[], idempotencyKey: string): Promise<PlaceOutcome> {
  try {
    const r = await apiStatus<Order>('/api/orders/orders', { method: 'POST', body: { lines }, headers: { 'idempotency-key': idempotencyKey } });
    if (r.status >= 400) throw new ApiError(r.status, `HTTP_${r.status}`, `the server answered ${r.status}`);
    return { outcome: r.headers.get('idempotent-replayed') === 'true' ? 'replayed' : 'placed', order: r.body };
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 429) {
      return { outcome: 'refused', status: err.status, code: err.code, detail: err.detail };
    }
    throw err;
  }
}

/** The first page of orders (`customerId` narrows staff's view to one customer), or the page at `next`. */
export function listOrders(q: { status?: OrderStatus; customerId?: string; limit?: number; next?: string | null }, signal?: AbortSignal): Promise<OrderPage> {
  const path = q.next ?? `/api/orders/orders?${new URLSearchParams({ limit: String(q.limit ?? 20), ...(q.status ? { status: q.status } : {}), ...(q.customerId ? { customerId: q.customerId } : {}) })}`;
  return api<OrderPage>(path, signal ? { signal } : {});
}

export function loadOrder(id: string, signal?: AbortSignal): Promise<OrderDetail> {
  return api<OrderDetail>(`/api/orders/orders/${encodeURIComponent(id)}`, signal ? { signal } : {});
}

export function cancelOrder(id: string, detail?: string): Promise<Order> {
  return api<Order>(`/api/orders/orders/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: detail ? { detail } : {} });
}

/** Operators: confirmed -> shipped. */
export function shipOrder(id: string, shipment: { carrier: string; trackingNumber: string }): Promise<Order> {
  return api<Order>(`/api/orders/orders/${encodeURIComponent(id)}/ship`, { method: 'POST', body: shipment });
}

/** Operators: shipped -> delivered. */
export function deliverOrder(id: string): Promise<Order> {
  return api<Order>(`/api/orders/orders/${encodeURIComponent(id)}/deliver`, { method: 'POST', body: {} });
}

/** `GET /api/orders/stats` (staff): orders per state, sagas not done after 30 s, failures by reason and compensation. */
export interface OrderStats {
  readonly byStatus: Readonly<Record<OrderStatus, number>>;
  readonly total: number;
  readonly stuck: number;
  readonly failures: readonly { readonly reason: string | null; readonly stockCompensation: string; readonly paymentCompensation: string; readonly count: number }[];
}

export function orderStats(signal?: AbortSignal): Promise<OrderStats> {
  return api<OrderStats>('/api/orders/stats', signal ? { signal } : {});
}

/** Rejected and cancelled orders, newest first (staff). */
export async function sagaFailures(signal?: AbortSignal): Promise<Order[]> {
  return (await api<{ items: Order[] }>('/api/orders/saga-failures?limit=20', signal ? { signal } : {})).items;
}
