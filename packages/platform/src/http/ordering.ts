// Ordering: `?ordering=-createdAt,id` over declared fields, always ending with the id so the order is total (and cursors stable).
import type { Fields } from './fields.ts';
import { queryError } from './problem.ts';

export interface OrderKey {
  readonly field: string;
  readonly desc: boolean;
}

/**
 * Parses an ordering parameter (or the default) and appends the id as tiebreaker.
 * @example parseOrdering('-createdAt', ['createdAt'], '-createdAt', 'id') // [{createdAt desc}, {id asc}]
 */
export function parseOrdering(raw: unknown, allowed: readonly string[], fallback: string, idField: string): OrderKey[] {
  if (raw !== undefined && typeof raw !== 'string') throw queryError('ordering', 'give ordering once');
  const text = raw === undefined || raw === '' ? fallback : raw;
  const keys: OrderKey[] = [];
  for (const part of text.split(',')) {
    const desc = part.startsWith('-');
    const field = desc ? part.slice(1) : part;
    if (!allowed.includes(field) && field !== idField) throw queryError('ordering', `cannot order by "${field}"; allowed: ${[...allowed, idField].join(', ')}`);
    if (keys.some((k) => k.field === field)) throw queryError('ordering', `"${field}" given twice`);
    keys.push({ field, desc });
  }
  if (!keys.some((k) => k.field === idField)) keys.push({ field: idField, desc: keys.at(-1)?.desc ?? false });
  // keys after the id can never change the order; dropping them keeps the index usable
  return keys.slice(0, keys.findIndex((k) => k.field === idField) + 1);
}

/** Fields usable for ordering must never be null (keyset pagination compares them). */
export function assertOrderable(fields: Fields, allowed: readonly string[]): void {
  for (const f of allowed) if (fields.kind(f).nullable) throw new Error(`ordering field "${f}" is nullable; keyset pagination needs non-null keys`);
}

export function formatOrdering(keys: readonly OrderKey[]): string {
  return keys.map((k) => (k.desc ? `-${k.field}` : k.field)).join(',');
}
