// The catalog API as the console calls it (`/api/catalog`): products with their stock, and how live inventory events change them.
import { api } from '../api/http.ts';
import type { LiveEvent } from '../live/event-log.ts';

/** A product as `GET /api/catalog/products` answers it; `price` in minor units of `currency`. */
export interface Product {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  readonly currency: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly lowStockThreshold: number;
}

/** Stock of one product after a movement, as every `inventory.*` stock event carries it. */
export interface StockLevel {
  readonly productId: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
}

export const available = (p: Product): number => p.onHand - p.reserved;

/** Every product, following the cursor pages (200 a page), ordered by name. */
export async function listProducts(signal?: AbortSignal): Promise<Product[]> {
  const all: Product[] = [];
  let path: string | null = '/api/catalog/products?limit=200&ordering=name';
  while (path) {
    const page: { items: Product[]; next: string | null } = await api(path, signal ? { signal } : {});
    all.push(...page.items);
    path = page.next;
  }
  return all;
}

/**
 * Applies a live `inventory` or `catalog` event to the product list: stock levels, products created, edited, deleted.
 * Returns the same array when the event changes nothing shown.
 * @example setProducts((list) => applyCatalogEvent(list, event))
 */
export function applyCatalogEvent(products: readonly Product[], event: LiveEvent): readonly Product[] {
  const data = event.data as { levels?: readonly StockLevel[] } & Partial<Product>;
  if (event.type.startsWith('inventory.') && Array.isArray(data.levels)) {
    const levels = new Map(data.levels.map((l) => [l.productId, l]));
    let changed = false;
    const next = products.map((p) => {
      const l = levels.get(p.id);
      if (!l || (l.onHand === p.onHand && l.reserved === p.reserved)) return p;
      changed = true;
      return { ...p, onHand: l.onHand, reserved: l.reserved };
    });
    return changed ? next : products;
  }
  if (!data.id) return products;
  const product = data as Product;
  switch (event.type) {
    case 'catalog.product-created':
      return products.some((p) => p.id === product.id) ? products : [...products, product].sort((a, b) => a.name.localeCompare(b.name));
    case 'catalog.product-updated':
      return products.map((p) => (p.id === product.id ? product : p));
    case 'catalog.product-deleted':
      return products.filter((p) => p.id !== product.id);
    default:
      return products;
  }
}
