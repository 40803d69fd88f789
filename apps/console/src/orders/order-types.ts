// Orders as the API sends them: states, lines, an order and its history (types only, no calls: shared with tests).

export const ORDER_STATUSES = ['placed', 'reserved', 'paid', 'confirmed', 'shipped', 'delivered', 'rejected', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** States an order may still be cancelled in (orders' `CANCELLABLE`). */
export const CANCELLABLE: readonly OrderStatus[] = ['placed', 'reserved', 'paid', 'confirmed'];

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
}

/** A line as reserved: its SKU and unit price (minor units) at reservation time. */
export interface PricedLine extends OrderLine {
  readonly sku: string;
  readonly unitPrice: number;
}

/** An order as the API answers it; `amount` and prices are known from `reserved` on. */
export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLine[];
  readonly pricedLines: readonly PricedLine[] | null;
  readonly amount: number | null;
  readonly currency: string | null;
  readonly paymentId: string | null;
  /** Why it ended (rejected / cancelled), e.g. `out-of-stock`, `payment-declined`, `customer`. */
  readonly reason: string | null;
  readonly detail: string | null;
  readonly compensation: { readonly stock: string | null; readonly payment: string | null };
  readonly placedAt: string;
  readonly updatedAt: string;
}

/** One state change: what caused it (`customer`, `operator`, the event type) and when. */
export interface HistoryStep {
  readonly status: OrderStatus;
  readonly cause: string;
  readonly reason: string | null;
  readonly at: string;
}

export interface OrderDetail extends Order {
  readonly history: readonly HistoryStep[];
}

export interface OrderPage {
  readonly items: readonly Order[];
  readonly next: string | null;
}
