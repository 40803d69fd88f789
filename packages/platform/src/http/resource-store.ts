// Reading and writing one resource's rows: scoped loads (404 outside the caller's scope), inserts, updates, deletes.
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { RequestContext } from './context.ts';
import { compileConditions, compileScope, parseFilters } from './filters.ts';
import { parseOrdering } from './ordering.ts';
import { scopeOf } from './permissions.ts';
import { notFound } from './problem.ts';
import type { Obj, Resource } from './resource.ts';
import { searchCondition } from './search.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Executor = Transaction<any> | Database['kysely'];

/** Path id -> a typed id, or 404 when it cannot be an id at all (an invalid id simply names nothing). */
export function parseId(r: Resource, raw: string): unknown {
  const { kind, schema } = r.fields.kind(r.idField);
  const v = kind === 'number' ? (/^-?\d{1,15}$/.test(raw) ? Number(raw) : NaN) : raw;
  const parsed = schema.safeParse(v);
  if (!parsed.success) throw notFound(r.options.name);
  return parsed.data;
}

/** Loads one object within the caller's scope (FOR UPDATE when writing); 404 when absent or not theirs. */
export async function loadScoped(db: Executor, r: Resource, ctx: RequestContext, id: unknown, forUpdate: boolean): Promise<Obj> {
  const scope = scopeOf(r.permissionFor(ctx.action), ctx);
  let q = db.selectFrom(r.options.table).selectAll().where(r.fields.column(r.idField), '=', id).where((eb) => compileScope(eb, r.fields, scope));
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(r.options.name);
  return r.fields.fromRow(row);
}

/** The list query: scope, filters and search as WHERE clauses (all parameterized), then one page. */
export async function listPage(db: Database['kysely'], r: Resource, ctx: RequestContext, params: Readonly<Record<string, unknown>>) {
  const reserved = new Set(['search', 'ordering', ...r.pagination.params]);
  const conditions = parseFilters(params, r.options.filters ?? {}, r.fields, reserved);
  const ordering = parseOrdering(params.ordering, r.options.ordering ?? [], r.options.defaultOrdering ?? r.idField, r.idField);
  const scope = scopeOf(r.permissionFor(ctx.action), ctx);
  let q = db.selectFrom(r.options.table).selectAll().where((eb) => compileScope(eb, r.fields, scope));
  if (conditions.length > 0) q = q.where((eb) => compileConditions(eb, r.fields, conditions));
  const search = params.search;
  if (search !== undefined) {
    q = q.where((eb) => searchCondition(eb, r.fields, r.options.search ?? [], search) ?? eb.lit(true));
  }
  const page = await r.pagination.paginate({ query: q, fields: r.fields, ordering, params, path: r.path });
  return { items: page.rows.map((row) => r.fields.represent(r.fields.fromRow(row))), next: page.next };
}

export async function insertObject(db: Executor, r: Resource, values: Obj): Promise<Obj> {
  const full = r.newId && values[r.idField] === undefined ? { ...values, [r.idField]: r.newId() } : values;
  const row = await db.insertInto(r.options.table).values(r.fields.toRow(full)).returningAll().executeTakeFirstOrThrow();
  return r.fields.fromRow(row);
}

export async function updateObject(db: Executor, r: Resource, current: Obj, changes: Obj): Promise<Obj> {
  const row = r.fields.toRow(changes);
  if (Object.keys(row).length === 0) return current;
  const updated = await db.updateTable(r.options.table).set(row).where(r.fields.column(r.idField), '=', current[r.idField]).returningAll().executeTakeFirstOrThrow();
  return r.fields.fromRow(updated);
}

export async function deleteObject(db: Executor, r: Resource, current: Obj): Promise<void> {
  await db.deleteFrom(r.options.table).where(r.fields.column(r.idField), '=', current[r.idField]).execute();
}
