// Catalog's published events: products (topic `catalog`) and every stock movement (topic `inventory`). Money: integer minor units.
import { defineContract } from '@millrace/platform';
import { z } from 'zod';

const money = z.number().int().min(0);
const currency = z.string().regex(/^[A-Z]{3}$/);

export const productSchema = z.object({
  id: z.string(),
  sku: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  price: money,
  currency,
  onHand: z.number().int().min(0),
  reserved: z.number().int().min(0),
  lowStockThreshold: z.number().int().min(0).default(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Stock of one product after a movement: `available = onHand - reserved`, never negative. */
export const stockLevel = z.object({ productId: z.string(), sku: z.string(), onHand: z.number().int(), reserved: z.number().int(), available: z.number().int() });
export type StockLevel = z.infer<typeof stockLevel>;

/** A reserved order line, priced at reservation time. */
export const pricedLine = z.object({ productId: z.string(), sku: z.string(), quantity: z.number().int().min(1), unitPrice: money });
export type PricedLine = z.infer<typeof pricedLine>;

export const REJECTION_REASONS = ['out-of-stock', 'unknown-product', 'mixed-currency'] as const;
export const RELEASE_REASONS = ['order-rejected', 'order-cancelled', 'expired'] as const;

export const contract = defineContract({
  source: 'catalog',
  events: {
    'catalog.product-created': { 1: productSchema },
    'catalog.product-updated': { 1: productSchema },
    'catalog.product-deleted': { 1: productSchema },
    'inventory.stock-reserved': {
      1: z.object({ orderId: z.string(), lines: z.array(pricedLine), amount: money, currency, expiresAt: z.string(), levels: z.array(stockLevel) }),
    },
    'inventory.reservation-rejected': {
      1: z.object({ orderId: z.string(), reason: z.enum(REJECTION_REASONS), productIds: z.array(z.string()) }),
    },
    'inventory.reservation-confirmed': { 1: z.object({ orderId: z.string(), lines: z.array(pricedLine), levels: z.array(stockLevel) }) },
    'inventory.reservation-released': {
      1: z.object({ orderId: z.string(), reason: z.enum(RELEASE_REASONS), lines: z.array(pricedLine), levels: z.array(stockLevel) }),
    },
    /** A confirmed order cancelled before shipping: its units go back on hand. */
    'inventory.stock-returned': { 1: z.object({ orderId: z.string(), lines: z.array(pricedLine), levels: z.array(stockLevel) }) },
    'inventory.stock-adjusted': { 1: z.object({ productId: z.string(), delta: z.number().int(), by: z.string(), levels: z.array(stockLevel) }) },
    'inventory.out-of-stock': { 1: z.object({ productId: z.string(), sku: z.string() }) },
    'inventory.low-stock': { 1: z.object({ productId: z.string(), sku: z.string(), available: z.number().int(), threshold: z.number().int() }) },
  },
});
