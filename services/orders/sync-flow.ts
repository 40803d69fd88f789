// The synchronous variant, for the benchmark: the same order flow as blocking HTTP calls to inventory and payments inside the request.
import type { Logger } from '@millrace/platform';
import type { Orders, OrderLineInput, PlaceResult } from './orders.ts';
import { orders as store, orderView, type OrderRow, type OrderView } from './store.ts';

export interface SyncFlowOptions {
  /** Base URL of the catalog's and the payments' HTTP APIs (the same server in the embedded mode). */
  readonly catalogUrl: string | (() => string);
  readonly paymentsUrl: string | (() => string);
  /** Credentials of the orders service (a principal with the `service` role). */
  readonly headers: Readonly<Record<string, string>>;
  readonly log?: Logger | undefined;
  readonly timeoutMs?: number;
}

/**
 * Places an order and runs reserve -> charge -> confirm over HTTP before answering; compensates (release, refund)
 * in the request when a step fails. No events drive it; clients poll `GET /api/orders/orders/:id`.
 */
export class SyncFlow {
  readonly #orders: Orders;
  readonly #o: SyncFlowOptions;

  constructor(orders: Orders, options: SyncFlowOptions) {
    this.#orders = orders;
    this.#o = options;
  }

  async place(customerId: string, lines: readonly OrderLineInput[], idempotencyKey?: string): Promise<PlaceResult> {
    const placed = await this.#orders.place(customerId, lines, idempotencyKey, 'sync');
    if (placed.replayed) return placed;
    const id = placed.order.id;
    const reserve = await this.#call(`${this.#catalog()}/api/catalog/reservations`, { orderId: id, lines }).catch((err: Error) => ({ status: 0, body: { error: err.message } }));
    if (reserve.status === 409) {
      const { reason } = reserve.body as { reason: string };
      return { replayed: false, order: await this.#move(id, 'rejected', 'inventory', reason, `inventory: ${reason}`) };
    }
    if (reserve.status !== 201) {
      // nothing to compensate in a blocking call chain but a reservation that may have landed: release it (best effort)
      await this.#call(`${this.#catalog()}/api/catalog/reservations/${id}/release`, { reason: 'order-rejected' }).catch(() => undefined);
      return { replayed: false, order: await this.#move(id, 'rejected', 'inventory', 'service-unavailable', `inventory answered ${reserve.status}`) };
    }
    const r = reserve.body as { amount: number; currency: string; lines: unknown[] };
    await this.#move(id, 'reserved', 'inventory', undefined, undefined, { amount: String(r.amount), currency: r.currency, priced_lines: r.lines as OrderRow['priced_lines'] });
    const charge = await this.#call(`${this.#payments()}/api/payments/charges`, { orderId: id, customerId, amount: r.amount, currency: r.currency })
      .catch((err: Error) => ({ status: 0, body: { status: 'pending', reason: err.message } }));
    const payment = charge.body as { id?: string; status?: string; reason?: string };
    if (charge.status !== 201) {
      if (payment.status === 'pending') await this.#call(`${this.#payments()}/api/payments/orders/${id}/refund`, { reason: 'order rejected' }).catch(() => undefined);
      await this.#call(`${this.#catalog()}/api/catalog/reservations/${id}/release`, { reason: 'order-rejected' }).catch(() => undefined);
      const reason = payment.status === 'declined' ? 'payment-declined' : payment.status === 'failed' ? 'payment-failed' : 'service-unavailable';
      return { replayed: false, order: await this.#move(id, 'rejected', 'payments', reason, `payment ${payment.status ?? charge.status}: ${payment.reason ?? ''}`, { stock_compensation: 'released' }) };
    }
    await this.#move(id, 'paid', 'payments', undefined, undefined, { payment_id: payment.id });
    const confirm = await this.#call(`${this.#catalog()}/api/catalog/reservations/${id}/confirm`, {});
    if (!(confirm.body as { confirmed?: boolean }).confirmed) {
      await this.#call(`${this.#payments()}/api/payments/orders/${id}/refund`, { reason: 'reservation expired' });
      return { replayed: false, order: await this.#move(id, 'rejected', 'inventory', 'reservation-expired', 'the reservation expired', { payment_compensation: 'refunded' }) };
    }
    return { replayed: false, order: await this.#move(id, 'confirmed', 'inventory') };
  }

  #catalog = () => (typeof this.#o.catalogUrl === 'string' ? this.#o.catalogUrl : this.#o.catalogUrl());
  #payments = () => (typeof this.#o.paymentsUrl === 'string' ? this.#o.paymentsUrl : this.#o.paymentsUrl());

  async #move(id: string, to: Parameters<Orders['transition']>[2], cause: string, reason?: string, detail?: string, patch: Partial<OrderRow> = {}): Promise<OrderView> {
    return this.#orders.outbox.transaction(async (tx) => {
      const row = (await store.byId(tx.db, id, true))!;
      if (row.status === to) return orderView(row);
      return this.#orders.transition(tx, row, to, cause, { reason, detail, patch });
    });
  }

  async #call(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.#o.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : {} };
  }
}
