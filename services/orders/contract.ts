// Orders' published events: one per state change of an order, keyed by order id, each carrying the owner (for live channels).
import { defineContract } from '@millrace/platform';
import { z } from 'zod';

export const ORDER_STATUSES = ['placed', 'reserved', 'paid', 'confirmed', 'shipped', 'delivered', 'rejected', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
const status = z.enum(ORDER_STATUSES);

const money = z.number().int().min(0);
const currency = z.string().regex(/^[A-Z]{3}$/);
export const orderLine = z.object({ productId: z.string(), quantity: z.number().int().min(1) });
export const pricedLine = z.object({ productId: z.string(), sku: z.string(), quantity: z.number().int().min(1), unitPrice: money });

/** Why an order ended without being delivered. */
export const END_REASONS = [
  'out-of-stock', 'unknown-product', 'mixed-currency', 'payment-declined', 'payment-failed', 'reservation-expired', 'customer', 'operator',
  /** Synchronous variant only: a service the request depends on did not answer. */
  'service-unavailable',
] as const;

const base = { orderId: z.string(), customerId: z.string(), status };

export const contract = defineContract({
  source: 'orders',
  events: {
    'orders.order-placed': { 1: z.object({ ...base, lines: z.array(orderLine), placedAt: z.string() }) },
    /** Stock is held and priced: payments charges `amount`. */
    'orders.order-reserved': { 1: z.object({ ...base, lines: z.array(pricedLine), amount: money, currency }) },
    /** Payment captured: inventory confirms the reservation. */
    'orders.order-paid': { 1: z.object({ ...base, paymentId: z.string(), amount: money, currency }) },
    'orders.order-confirmed': { 1: z.object(base) },
    'orders.order-shipped': { 1: z.object({ ...base, carrier: z.string(), trackingNumber: z.string() }) },
    'orders.order-delivered': { 1: z.object(base) },
    /** The saga failed: inventory releases what it holds, payments refunds what it captured. */
    'orders.order-rejected': { 1: z.object({ ...base, reason: z.enum(END_REASONS), detail: z.string(), previousStatus: status }) },
    /** Cancelled by the customer or an operator: the same compensations as a rejection, plus a return to stock once confirmed. */
    'orders.order-cancelled': { 1: z.object({ ...base, reason: z.enum(END_REASONS), detail: z.string(), previousStatus: status, by: z.string() }) },
  },
});

export type OrderEventType = keyof typeof contract.events;
