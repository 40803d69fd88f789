// A resource: a zod schema over a table, with its query options, permissions, throttles, hooks, events and custom actions.
import type { z } from 'zod';
import { uuidv7 } from '../events/envelope.ts';
import type { Tx } from '../events/outbox.ts';
import type { RequestContext } from './context.ts';
import { Fields } from './fields.ts';
import type { FilterSpec } from './filters.ts';
import { assertOrderable } from './ordering.ts';
import { cursorPagination, type Paginator } from './pagination.ts';
import { allowAny, type Permission } from './permissions.ts';
import type { Throttle } from './throttling.ts';

export type StandardAction = 'list' | 'retrieve' | 'create' | 'update' | 'partialUpdate' | 'destroy';
export const STANDARD_ACTIONS: readonly StandardAction[] = ['list', 'retrieve', 'create', 'update', 'partialUpdate', 'destroy'];

/** An API object as the resource layer handles it: API field names, JSON values. */
export type Obj = Record<string, unknown>;

export interface CreateArgs {
  readonly tx: Tx;
  readonly ctx: RequestContext;
  /** The validated body. */
  readonly data: Obj;
  /** Inserts `data` merged with `extra` (server-set fields such as the owner) and returns the stored object. */
  save(extra?: Obj): Promise<Obj>;
}

export interface UpdateArgs {
  readonly tx: Tx;
  readonly ctx: RequestContext;
  /** The object as stored, locked FOR UPDATE. */
  readonly current: Obj;
  /** The validated changes (all writable fields for PUT, the given ones for PATCH). */
  readonly changes: Obj;
  save(extra?: Obj): Promise<Obj>;
}

export interface DestroyArgs {
  readonly tx: Tx;
  readonly ctx: RequestContext;
  readonly current: Obj;
  remove(): Promise<void>;
}

/** DRF's perform_create / perform_update / perform_destroy: they run inside the outbox transaction. */
export interface ResourceHooks {
  performCreate?(args: CreateArgs): Promise<Obj>;
  performUpdate?(args: UpdateArgs): Promise<Obj>;
  performDestroy?(args: DestroyArgs): Promise<void>;
}

export interface ActionArgs {
  readonly tx: Tx;
  readonly ctx: RequestContext;
  /** The validated body (undefined when the action declares no input). */
  readonly input: unknown;
  /** For item actions: the object, loaded within the caller's scope and locked FOR UPDATE. */
  readonly object?: Obj;
  /** Full object -> its client representation. */
  represent(obj: Obj): Obj;
}

/**
 * A custom action (DRF's @action): `POST /api/<service>/<resource>/:id/<name>` (item) or `/api/<service>/<resource>/<name>`.
 * Returning undefined answers 204.
 */
export interface ActionDefinition {
  readonly name: string;
  readonly on: 'item' | 'collection';
  readonly method?: 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE';
  readonly input?: z.ZodType;
  /** Response schema for the OpenAPI document. */
  readonly output?: z.ZodType;
  readonly permission?: Permission;
  readonly summary?: string;
  handle(args: ActionArgs): Promise<unknown>;
}

export interface ResourceOptions<S extends z.ZodObject = z.ZodObject> {
  /** Service name: the URL is `/api/<service>/<name>`. */
  service: string;
  name: string;
  /** Schema-qualified table, e.g. `shop.widgets`. */
  table: string;
  /** The full object (API field names; columns are their snake_case unless `columns` says otherwise). */
  schema: S;
  idField?: string;
  /** Generates ids on create; null leaves the id to the column default. Default uuidv7. */
  newId?: (() => string) | null;
  /** Returned but never accepted: a client sending one gets a 400 naming it (ids, owner, balances, roles, timestamps). */
  readOnly?: readonly string[];
  /** Accepted but never returned. */
  writeOnly?: readonly string[];
  columns?: Readonly<Record<string, string>>;
  filters?: FilterSpec;
  search?: readonly string[];
  ordering?: readonly string[];
  /** Default ordering, e.g. `-createdAt`. Default: the id. */
  defaultOrdering?: string;
  pagination?: Paginator;
  /** `default` applies to every action without its own entry. */
  permissions?: { readonly default: Permission } & Readonly<Partial<Record<string, Permission>>>;
  throttles?: readonly Throttle[];
  /** Event types published automatically, keyed by the object id, with its representation as data. */
  events?: { readonly created?: string; readonly updated?: string; readonly destroyed?: string };
  hooks?: ResourceHooks;
  actions?: readonly ActionDefinition[];
  /** Which standard actions exist. Default all six. */
  standardActions?: readonly StandardAction[];
  /** Per-request time budget in ms (503 after it; PostgreSQL cancels the statement). Default 10 000. */
  timeoutMs?: number;
}

/** A declared resource: an immutable value the router turns into routes and OpenAPI paths. */
export interface Resource {
  readonly options: Readonly<ResourceOptions>;
  readonly fields: Fields;
  readonly idField: string;
  readonly path: string;
  readonly pagination: Paginator;
  readonly standardActions: readonly StandardAction[];
  readonly newId: (() => string) | null;
  permissionFor(action: string): Permission;
}

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Declares a resource.
 * @example
 * const widgets = defineResource({ service: 'shop', name: 'widgets', table: 'shop.widgets', schema: widgetSchema,
 *   readOnly: ['id', 'ownerId', 'createdAt'], filters: { status: ['exact', 'in'] }, ordering: ['createdAt'],
 *   permissions: { default: isOwner('ownerId') }, events: { created: 'shop.widget-created' } })
 */
export function defineResource<S extends z.ZodObject>(options: ResourceOptions<S>): Resource {
  if (!NAME.test(options.service) || !NAME.test(options.name)) throw new Error(`service and resource names are lower-case kebab: ${options.service}/${options.name}`);
  const idField = options.idField ?? 'id';
  const fields = new Fields(options.schema, options);
  if (!fields.names.includes(idField)) throw new Error(`id field "${idField}" is not in the schema`);
  for (const f of [...Object.keys(options.filters ?? {}), ...(options.search ?? []), ...(options.ordering ?? [])]) {
    if (!fields.names.includes(f)) throw new Error(`unknown field "${f}" in filters / search / ordering of ${options.name}`);
    if (fields.writeOnly.has(f)) throw new Error(`write-only field "${f}" cannot be filtered, searched or ordered by`);
  }
  assertOrderable(fields, [...(options.ordering ?? []), idField]);
  const permissions = options.permissions ?? { default: allowAny };
  return Object.freeze({
    options: Object.freeze({ ...options }),
    fields,
    idField,
    path: `/api/${options.service}/${options.name}`,
    pagination: options.pagination ?? cursorPagination(),
    standardActions: options.standardActions ?? STANDARD_ACTIONS,
    newId: options.newId === undefined ? uuidv7 : options.newId,
    permissionFor: (action: string) => permissions[action] ?? options.actions?.find((a) => a.name === action)?.permission ?? permissions.default,
  });
}
