// The order state machine and the saga's decisions, pure: given an order and what happened, the next state and the event to publish.
import type { OrderStatus } from './contract.ts';

export type { OrderStatus } from './contract.ts';

/** Allowed transitions. Rejected, cancelled and delivered are final. */
export const NEXT: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  placed: ['reserved', 'rejected', 'cancelled'],
  reserved: ['paid', 'rejected', 'cancelled'],
  paid: ['confirmed', 'rejected', 'cancelled'],
  confirmed: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  rejected: [],
  cancelled: [],
});

/** States in which the saga has nothing left to do (the rest is an operator's: ship, deliver). */
export const SAGA_DONE: readonly OrderStatus[] = ['confirmed', 'shipped', 'delivered', 'rejected', 'cancelled'];
/** A customer may cancel until the order ships. */
export const CANCELLABLE: readonly OrderStatus[] = ['placed', 'reserved', 'paid', 'confirmed'];

export const canMove = (from: OrderStatus, to: OrderStatus): boolean => NEXT[from].includes(to);

export interface PricedLine {
  readonly productId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

export interface OrderState {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly amount: number | null;
  readonly currency: string | null;
  readonly pricedLines: readonly PricedLine[] | null;
  readonly paymentId: string | null;
}

/** What the saga does with one incoming event: a new state (with its event) and/or compensation bookkeeping. */
export interface SagaStep {
  readonly to?: OrderStatus;
  readonly reason?: string;
  readonly detail?: string;
  readonly patch?: Partial<Pick<OrderState, 'amount' | 'currency' | 'pricedLines' | 'paymentId'>>;
  /** Compensation done: the order's stock is back (or was never held), its payment refunded / voided. */
  readonly compensation?: { readonly stock?: 'released' | 'returned'; readonly payment?: 'refunded' | 'voided' };
}

type Incoming = { readonly type: string; readonly data: Record<string, unknown> };

/**
 * The orchestration: inventory and payments answer, the order moves. Events arriving for an order that has moved on
 * (a late capture for a cancelled order) change nothing here; the other services compensate on their own.
 * @example react(order, { type: 'inventory.stock-reserved', data }) // -> { to: 'reserved', patch: { amount, ... } }
 */
export function react(order: OrderState, e: Incoming): SagaStep | null {
  const s = order.status;
  switch (e.type) {
    case 'inventory.stock-reserved':
      return s === 'placed'
        ? { to: 'reserved', patch: { amount: e.data.amount as number, currency: e.data.currency as string, pricedLines: e.data.lines as PricedLine[] } }
        : null;
    case 'inventory.reservation-rejected':
      return s === 'placed'
        ? { to: 'rejected', reason: e.data.reason as string, detail: `inventory: ${String(e.data.reason)} (${(e.data.productIds as string[]).join(', ')})` }
        : null;
    case 'payments.payment-captured':
      return s === 'reserved' ? { to: 'paid', patch: { paymentId: e.data.paymentId as string } } : null;
    case 'payments.payment-declined':
      return s === 'reserved' ? { to: 'rejected', reason: 'payment-declined', detail: `payment declined: ${String(e.data.reason)}` } : null;
    case 'payments.payment-failed':
      return s === 'reserved' ? { to: 'rejected', reason: 'payment-failed', detail: `payment failed: ${String(e.data.reason)}` } : null;
    case 'inventory.reservation-confirmed':
      return s === 'paid' ? { to: 'confirmed' } : null;
    case 'inventory.reservation-released':
      if (e.data.reason === 'expired' && (s === 'reserved' || s === 'paid')) {
        return { to: 'rejected', reason: 'reservation-expired', detail: 'the stock reservation expired before payment completed', compensation: { stock: 'released' } };
      }
      return { compensation: { stock: 'released' } };
    case 'inventory.stock-returned':
      return { compensation: { stock: 'returned' } };
    case 'payments.payment-refunded':
      return { compensation: { payment: 'refunded' } };
    case 'payments.payment-voided':
      return { compensation: { payment: 'voided' } };
    default:
      return null;
  }
}

/** Events the order publishes for each new state. */
export const EVENT_OF: Readonly<Record<OrderStatus, string>> = Object.freeze({
  placed: 'orders.order-placed',
  reserved: 'orders.order-reserved',
  paid: 'orders.order-paid',
  confirmed: 'orders.order-confirmed',
  shipped: 'orders.order-shipped',
  delivered: 'orders.order-delivered',
  rejected: 'orders.order-rejected',
  cancelled: 'orders.order-cancelled',
});
