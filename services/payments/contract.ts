// Payments' published events: the outcome of each charge and refund, keyed by order id. Money: integer minor units.
import { defineContract } from '@millrace/platform';
import { z } from 'zod';

const money = z.number().int().min(0);
const currency = z.string().regex(/^[A-Z]{3}$/);
const base = { paymentId: z.string(), orderId: z.string(), amount: money, currency };

export const contract = defineContract({
  source: 'payments',
  events: {
    'payments.payment-captured': { 1: z.object({ ...base, authorizationId: z.string(), captureId: z.string() }) },
    'payments.payment-declined': { 1: z.object({ ...base, reason: z.string() }) },
    /** The provider stayed unreachable for every attempt: nothing was charged. */
    'payments.payment-failed': { 1: z.object({ ...base, reason: z.string(), attempts: z.number().int() }) },
    'payments.payment-refunded': { 1: z.object({ ...base, refundId: z.string() }) },
    /** The order ended before the charge was attempted: nothing was charged. */
    'payments.payment-voided': { 1: z.object({ ...base, reason: z.string() }) },
  },
});
