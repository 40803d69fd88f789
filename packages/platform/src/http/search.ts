// Search: `?search=` over declared text fields, a parameterized ILIKE with its wildcards escaped.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Fields } from './fields.ts';
import { queryError } from './problem.ts';

const MAX_TERM = 200;

/** Escapes LIKE wildcards so a term matches literally. @example escapeLike('50%_off') === '50\\%\\_off' */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `?search=term` -> `(f1 ILIKE '%term%' OR f2 ILIKE ...)`; undefined when there is no term.
 * For large tables back the fields with a pg_trgm GIN index, which serves ILIKE '%...%'.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function searchCondition(eb: ExpressionBuilder<any, any>, fields: Fields, searchFields: readonly string[], raw: unknown): Expression<SqlBool> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw queryError('search', 'give search once');
  if (searchFields.length === 0) throw queryError('search', 'this resource is not searchable');
  if (raw.length > MAX_TERM) throw queryError('search', `at most ${MAX_TERM} characters`);
  if (raw === '') return undefined;
  const pattern = `%${escapeLike(raw)}%`;
  return eb.or(searchFields.map((f) => eb(fields.column(f), 'ilike', pattern)));
}
