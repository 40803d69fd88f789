// Filtering: declared field lookups from the query string (exact, __in, ranges, __isnull) and permission scopes, as parameterized WHERE clauses.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Fields } from './fields.ts';
import type { Scope } from './permissions.ts';
import { queryError } from './problem.ts';

export type Lookup = 'exact' | 'in' | 'gt' | 'gte' | 'lt' | 'lte' | 'isnull';
export const LOOKUPS: readonly Lookup[] = ['exact', 'in', 'gt', 'gte', 'lt', 'lte', 'isnull'];

/** Which lookups each filterable field allows. @example { status: ['exact', 'in'], price: ['gte', 'lte'] } */
export type FilterSpec = Readonly<Record<string, readonly Lookup[]>>;

export interface Condition {
  readonly field: string;
  readonly lookup: Lookup;
  readonly value: unknown;
}

const MAX_IN = 100;
const ops = { exact: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EB = ExpressionBuilder<any, any>;

/** Query-string text -> a typed value for `field`, validated against the field's schema; 400 when it does not fit. */
export function coerce(fields: Fields, field: string, raw: string, param: string): unknown {
  const { kind, schema } = fields.kind(field);
  let v: unknown = raw;
  if (kind === 'number') {
    v = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) throw queryError(param, 'expected a number');
  } else if (kind === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw queryError(param, 'expected true or false');
    v = raw === 'true';
  }
  const r = schema.safeParse(v);
  if (!r.success) throw queryError(param, r.error.issues[0]?.message ?? 'invalid value');
  return r.data;
}

/**
 * Parses `field`, `field__lookup` parameters into conditions. Any parameter that is neither reserved nor a declared
 * filter is a 400, so typos never silently return everything.
 */
export function parseFilters(
  query: Readonly<Record<string, unknown>>,
  spec: FilterSpec,
  fields: Fields,
  reserved: ReadonlySet<string>,
): Condition[] {
  const out: Condition[] = [];
  for (const [param, raw] of Object.entries(query)) {
    if (reserved.has(param)) continue;
    const [field = '', lookup = 'exact', ...extra] = param.split('__');
    const allowed = spec[field];
    if (!allowed || extra.length > 0 || !(LOOKUPS as readonly string[]).includes(lookup) || !allowed.includes(lookup as Lookup)) {
      throw queryError(param, `unknown filter; allowed: ${Object.entries(spec).flatMap(([f, ls]) => ls.map((l) => (l === 'exact' ? f : `${f}__${l}`))).join(', ') || 'none'}`);
    }
    if (typeof raw !== 'string') throw queryError(param, 'give a filter once');
    const l = lookup as Lookup;
    if (l === 'isnull') {
      if (raw !== 'true' && raw !== 'false') throw queryError(param, 'expected true or false');
      out.push({ field, lookup: l, value: raw === 'true' });
    } else if (l === 'in') {
      const parts = raw.split(',');
      if (parts.length > MAX_IN) throw queryError(param, `at most ${MAX_IN} values`);
      out.push({ field, lookup: l, value: parts.map((p) => coerce(fields, field, p, param)) });
    } else {
      out.push({ field, lookup: l, value: coerce(fields, field, raw, param) });
    }
  }
  return out;
}

/** Conditions -> one WHERE expression (AND). */
export function compileConditions(eb: EB, fields: Fields, conditions: readonly Condition[]): Expression<SqlBool> {
  return eb.and(
    conditions.map((c) => {
      const col = fields.column(c.field);
      if (c.lookup === 'isnull') return c.value ? eb(col, 'is', null) : eb(col, 'is not', null);
      if (c.lookup === 'in') return eb(col, 'in', c.value as unknown[]);
      return eb(col, ops[c.lookup], c.value);
    }),
  );
}

/** A permission scope -> a WHERE expression, so a caller's collection only ever holds rows it may see. */
export function compileScope(eb: EB, fields: Fields, s: Scope): Expression<SqlBool> {
  switch (s.kind) {
    case 'all': return eb.lit(true);
    case 'none': return eb.lit(false);
    case 'eq': return eb(fields.column(s.field), '=', s.value);
    case 'and': return eb.and(s.parts.map((p) => compileScope(eb, fields, p)));
    case 'or': return eb.or(s.parts.map((p) => compileScope(eb, fields, p)));
    case 'not': return eb.not(compileScope(eb, fields, s.part));
  }
}
