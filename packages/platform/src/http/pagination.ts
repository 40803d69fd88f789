// Pagination: a Paginator runs the ordered query one page at a time; cursor (keyset) and limit/offset, with an enforced maximum page size.
import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Fields } from './fields.ts';
import { formatOrdering, type OrderKey } from './ordering.ts';
import { httpCodes, queryError } from './problem.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Query = SelectQueryBuilder<any, any, any>;

export interface PageRequest {
  readonly query: Query;
  readonly fields: Fields;
  readonly ordering: readonly OrderKey[];
  readonly params: Readonly<Record<string, unknown>>;
  /** Path of the collection, to build the `next` link. */
  readonly path: string;
}

/** One page: raw rows plus the link to the next page (null on the last one). */
export interface Page {
  readonly rows: Record<string, unknown>[];
  readonly next: string | null;
}

/**
 * A pagination policy (DRF's BasePagination): reads its own query parameters, fetches one page.
 * @example const p: Paginator = cursorPagination({ defaultSize: 20, maxSize: 100 })
 */
export interface Paginator {
  readonly kind: 'cursor' | 'limit-offset';
  /** Query parameters it owns (reserved from filtering). */
  readonly params: readonly string[];
  readonly maxSize: number;
  readonly defaultSize: number;
  paginate(req: PageRequest): Promise<Page>;
}

export interface PageSizeOptions {
  defaultSize?: number;
  maxSize?: number;
}

/** `?limit=` -> a size; over the maximum is a 400 (never a silent clamp, so a client never believes it saw everything). */
function pageSize(raw: unknown, defaultSize: number, maxSize: number): number {
  if (raw === undefined) return defaultSize;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw queryError('limit', 'expected a positive integer');
  const n = Number(raw);
  if (n > maxSize) throw queryError('limit', `at most ${maxSize} per page`, httpCodes.pageSizeTooLarge);
  return n;
}

function nextLink(path: string, params: Readonly<Record<string, unknown>>, set: Record<string, string>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' && !(k in set)) q.set(k, v);
  for (const [k, v] of Object.entries(set)) q.set(k, v);
  return `${path}?${q.toString()}`;
}

const orderBy = (q: Query, fields: Fields, keys: readonly OrderKey[]): Query =>
  keys.reduce((acc, k) => acc.orderBy(fields.column(k.field), k.desc ? 'desc' : 'asc'), q);

/**
 * Keyset pagination: the cursor is an opaque base64url token holding the last row's ordering values (as PostgreSQL text,
 * so timestamps keep their microseconds). Stable under inserts; each page is one index range scan.
 * @example cursorPagination({ defaultSize: 20, maxSize: 100 })
 */
export function cursorPagination(options: PageSizeOptions = {}): Paginator {
  const defaultSize = options.defaultSize ?? 20;
  const maxSize = options.maxSize ?? 100;
  return Object.freeze({
    kind: 'cursor' as const,
    params: ['limit', 'cursor'],
    defaultSize,
    maxSize,
    async paginate({ query, fields, ordering, params, path }: PageRequest): Promise<Page> {
      const size = pageSize(params.limit, defaultSize, maxSize);
      const order = formatOrdering(ordering);
      let q = query.select(ordering.map((k, i) => sql<string>`cast(${sql.ref(fields.column(k.field))} as text)`.as(`__k${i}`)));
      if (params.cursor !== undefined) {
        const values = decodeCursor(params.cursor, order, ordering.length);
        q = q.where((eb) => keyset(eb, fields, ordering, values));
      }
      const rows = (await orderBy(q, fields, ordering).limit(size + 1).execute()) as Record<string, unknown>[];
      const more = rows.length > size;
      const pageRows = rows.slice(0, size);
      const last = pageRows.at(-1);
      const next = more && last ? nextLink(path, params, { cursor: encodeCursor(order, ordering.map((_, i) => String(last[`__k${i}`]))) }) : null;
      return { rows: pageRows, next };
    },
  });
}

/**
 * Limit/offset pagination, for small collections or when a client needs to jump to a page.
 * @example limitOffsetPagination({ defaultSize: 20, maxSize: 100 })
 */
export function limitOffsetPagination(options: PageSizeOptions & { maxOffset?: number } = {}): Paginator {
  const defaultSize = options.defaultSize ?? 20;
  const maxSize = options.maxSize ?? 100;
  const maxOffset = options.maxOffset ?? 10_000;
  return Object.freeze({
    kind: 'limit-offset' as const,
    params: ['limit', 'offset'],
    defaultSize,
    maxSize,
    async paginate({ query, fields, ordering, params, path }: PageRequest): Promise<Page> {
      const size = pageSize(params.limit, defaultSize, maxSize);
      const raw = params.offset ?? '0';
      if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw queryError('offset', 'expected a non-negative integer');
      const offset = Number(raw);
      if (offset > maxOffset) throw queryError('offset', `at most ${maxOffset}; use filters or cursor pagination to go further`);
      const rows = (await orderBy(query, fields, ordering).limit(size + 1).offset(offset).execute()) as Record<string, unknown>[];
      const more = rows.length > size;
      return { rows: rows.slice(0, size), next: more ? nextLink(path, params, { offset: String(offset + size), limit: String(size) }) : null };
    },
  });
}

/**
 * An opaque keyset cursor: the last row's ordering values, tagged with what they order by (a cursor made for
 * another ordering or list does not decode).
 * @example encodeCursor('placed_at,id', [row.placedAt, row.id])
 */
export function encodeCursor(ordering: string, values: readonly string[]): string {
  return Buffer.from(JSON.stringify({ o: ordering, v: values })).toString('base64url');
}

/** The `n` values of a cursor `encodeCursor(ordering, ...)` made, or undefined for anything else. */
export function readCursor(raw: unknown, ordering: string, n: number): string[] | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const c = parsed as { o?: unknown; v?: unknown };
  if (c?.o !== ordering || !Array.isArray(c.v) || c.v.length !== n || !c.v.every((x) => typeof x === 'string')) return undefined;
  return c.v as string[];
}

function decodeCursor(raw: unknown, ordering: string, n: number): string[] {
  const values = readCursor(raw, ordering, n);
  if (!values) throw queryError('cursor', 'invalid or expired cursor; start from the first page', httpCodes.cursorInvalid);
  return values;
}

// After (v0, v1, ...) in the given order. All keys in one direction: a row comparison, one index range.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function keyset(eb: any, fields: Fields, keys: readonly OrderKey[], values: readonly string[]): Expression<SqlBool> {
  const cols = keys.map((k) => sql.ref(fields.column(k.field)));
  if (keys.every((k) => k.desc === keys[0]!.desc)) {
    const op = keys[0]!.desc ? sql`<` : sql`>`;
    return sql<SqlBool>`(${sql.join(cols)}) ${op} (${sql.join(keys.map((_, i) => sql`${values[i]}`))})`;
  }
  return eb.or(
    keys.map((k, i) =>
      eb.and([
        ...keys.slice(0, i).map((p, j) => eb(fields.column(p.field), '=', values[j])),
        eb(fields.column(k.field), k.desc ? '<' : '>', values[i]),
      ]),
    ),
  );
}
