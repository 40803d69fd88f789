// The router: turns resources into Fastify routes, each request through one pipeline (authorize -> throttle -> validate -> handle -> serialize).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { MillraceError } from '../errors.ts';
import type { Outbox, Tx } from '../events/outbox.ts';
import { contextOf, type RequestContext } from './context.ts';
import { methodNotAllowed } from './error-handler.ts';
import { zodErrors } from './fields.ts';
import { checkObject } from './permissions.ts';
import { httpCodes, validationError } from './problem.ts';
import type { ActionDefinition, Obj, Resource } from './resource.ts';
import { deleteObject, insertObject, listPage, loadScoped, parseId, updateObject } from './resource-store.ts';
import { checkThrottles } from './throttling.ts';

/** The resources of one service and the outbox their writes go through. */
export interface Router {
  readonly outbox: Outbox;
  readonly resources: readonly Resource[];
  readonly now: () => Date;
  /** Concurrent creates (and collection actions) share one transaction and one commit (`Outbox.groupCommit`). Default true. */
  readonly groupCommit: boolean;
}

/**
 * Groups a service's resources with its outbox (every write and its events commit in one transaction).
 * @example const router = defineRouter({ outbox, resources: [widgets] }); registerResources(app, router)
 */
export function defineRouter(options: { outbox: Outbox; resources: readonly Resource[]; now?: () => Date; groupCommit?: boolean }): Router {
  return Object.freeze({
    outbox: options.outbox,
    resources: Object.freeze([...options.resources]),
    now: options.now ?? (() => new Date()),
    groupCommit: options.groupCommit ?? true,
  });
}

const registered = new WeakMap<FastifyInstance, Resource[]>();

/** Resources registered on an app (for the OpenAPI document). */
export function registeredResources(app: FastifyInstance): readonly Resource[] {
  return registered.get(app) ?? [];
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** DRF's APIView.initial(): permission (401 when anonymous, 403 otherwise), then the resource's throttles. */
async function initial(r: Resource, ctx: RequestContext): Promise<void> {
  if (!r.permissionFor(ctx.action).check(ctx)) {
    if (!ctx.principal) throw new MillraceError('unauthenticated', httpCodes.unauthenticated, 'authentication required');
    throw new MillraceError('forbidden', httpCodes.forbidden, `not allowed to ${ctx.action} ${r.options.name}`);
  }
  const d = await checkThrottles(r.options.throttles ?? [], ctx, ctx.now.getTime());
  if (!d.allowed) throw new MillraceError('throttled', httpCodes.throttled, 'too many requests', { details: { retryAfterSeconds: d.retryAfterMs / 1000 } });
}

function assertObject(r: Resource, ctx: RequestContext, obj: Obj): void {
  if (!checkObject(r.permissionFor(ctx.action), ctx, obj)) throw new MillraceError('forbidden', httpCodes.forbidden, `not allowed to ${ctx.action} this ${r.options.name}`);
}

async function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MillraceError('unavailable', httpCodes.timeout, `no answer within ${ms} ms`, { details: { retryAfterSeconds: 1 } })), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function parseActionInput(a: ActionDefinition, body: unknown): unknown {
  if (!a.input) {
    if (body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)) return undefined;
    throw validationError([{ path: '', message: `${a.name} takes no body`, code: 'unexpected_body' }]);
  }
  const r = a.input.safeParse(body);
  if (!r.success) throw validationError(zodErrors(r.error));
  return r.data;
}

/**
 * Registers every resource of `router` on `app` (inside an encapsulated plugin), with 405 answers for other methods.
 * @example registerResources(app, defineRouter({ outbox, resources: [widgets] }))
 */
export function registerResources(app: FastifyInstance, router: Router): void {
  const list = registered.get(app) ?? [];
  list.push(...router.resources);
  registered.set(app, list);
  void app.register(async (scope) => {
    for (const r of router.resources) mount(scope, router, r);
  });
}

function mount(app: FastifyInstance, router: Router, r: Resource): void {
  const { outbox } = router;
  const f = r.fields;
  const o = r.options;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const has = (a: string) => (r.standardActions as readonly string[]).includes(a);
  const allowed = new Map<string, Set<string>>();
  const route = (method: (typeof METHODS)[number], url: string, action: string, handle: (req: FastifyRequest, reply: FastifyReply, ctx: RequestContext) => Promise<unknown>) => {
    (allowed.get(url) ?? allowed.set(url, new Set()).get(url)!).add(method);
    app.route({
      method,
      url,
      handler: async (req, reply) => {
        const ctx = contextOf(req, action, router.now());
        await initial(r, ctx);
        return withTimeout(timeoutMs, handle(req, reply, ctx));
      },
    });
  };
  // Group commit (creates): many requests' inserts share one commit; a failing one is re-run alone, so it fails alone
  // and leaves nothing behind. Each acknowledgement still waits for the commit that made its write durable.
  // Writes that lock an existing row (update, destroy, item actions) take a transaction each: two shared
  // transactions locking rows in opposite orders would deadlock, and PostgreSQL only sees it after deadlock_timeout.
  const commit = router.groupCommit ? outbox.groupCommit.bind(outbox) : outbox.transaction.bind(outbox);
  const budgeted = <T>(work: (tx: Tx) => Promise<T>) => async (tx: Tx) => {
    // PostgreSQL cancels the transaction's statements once the request's budget is spent
    await sql`select set_config('statement_timeout', ${String(timeoutMs)}, true)`.execute(tx.db);
    return work(tx);
  };
  const write = <T>(work: (tx: Tx) => Promise<T>) => commit(budgeted(work)) as Promise<T>;
  const writeLocking = <T>(work: (tx: Tx) => Promise<T>) => outbox.transaction(budgeted(work));
  const publish = (tx: Tx, type: string | undefined, obj: Obj) => {
    if (type) tx.publish({ type, key: String(obj[r.idField]), data: f.represent(obj) });
  };
  const idOf = (req: FastifyRequest) => parseId(r, (req.params as { id: string }).id);
  const item = `${r.path}/:id`;

  if (has('list')) route('GET', r.path, 'list', async (req, _reply, ctx) => listPage(outbox.database.kysely, r, ctx, req.query as Record<string, unknown>));
  if (has('retrieve')) {
    route('GET', item, 'retrieve', async (req, _reply, ctx) => {
      const obj = await loadScoped(outbox.database.kysely, r, ctx, idOf(req), false);
      assertObject(r, ctx, obj);
      return f.represent(obj);
    });
  }
  if (has('create')) {
    route('POST', r.path, 'create', async (req, reply, ctx) => {
      const data = f.parseInput(req.body, false);
      const created = await write(async (tx) => {
        const save = (extra: Obj = {}) => insertObject(tx.db, r, { ...data, ...extra });
        const obj = o.hooks?.performCreate ? await o.hooks.performCreate({ tx, ctx, data, save }) : await save();
        publish(tx, o.events?.created, obj);
        return obj;
      });
      return reply.code(201).header('location', `${r.path}/${encodeURIComponent(String(created[r.idField]))}`).send(f.represent(created));
    });
  }
  for (const [method, action] of [['PUT', 'update'], ['PATCH', 'partialUpdate']] as const) {
    if (!has(action)) continue;
    route(method, item, action, async (req, _reply, ctx) => {
      const id = idOf(req);
      const changes = f.parseInput(req.body, action === 'partialUpdate');
      return f.represent(await writeLocking(async (tx) => {
        const current = await loadScoped(tx.db, r, ctx, id, true);
        assertObject(r, ctx, current);
        const save = (extra: Obj = {}) => updateObject(tx.db, r, current, { ...changes, ...extra });
        const obj = o.hooks?.performUpdate ? await o.hooks.performUpdate({ tx, ctx, current, changes, save }) : await save();
        publish(tx, o.events?.updated, obj);
        return obj;
      }));
    });
  }
  if (has('destroy')) {
    route('DELETE', item, 'destroy', async (req, reply, ctx) => {
      const id = idOf(req);
      await writeLocking(async (tx) => {
        const current = await loadScoped(tx.db, r, ctx, id, true);
        assertObject(r, ctx, current);
        const remove = () => deleteObject(tx.db, r, current);
        if (o.hooks?.performDestroy) await o.hooks.performDestroy({ tx, ctx, current, remove });
        else await remove();
        publish(tx, o.events?.destroyed, current);
      });
      return reply.code(204).send();
    });
  }
  for (const a of o.actions ?? []) {
    const method = a.method ?? 'POST';
    const url = a.on === 'item' ? `${item}/${a.name}` : `${r.path}/${a.name}`;
    route(method, url, a.name, async (req, reply, ctx) => {
      const id = a.on === 'item' ? idOf(req) : undefined;
      const input = parseActionInput(a, req.body);
      const result = await (id === undefined ? write : writeLocking)(async (tx) => {
        const object = id === undefined ? undefined : await loadScoped(tx.db, r, ctx, id, method !== 'GET');
        if (object) assertObject(r, ctx, object);
        return a.handle({ tx, ctx, input, ...(object ? { object } : {}), represent: (obj) => f.represent(obj) });
      });
      return result === undefined ? reply.code(204).send() : reply.send(result);
    });
  }
  for (const [url, methods] of allowed) {
    const rest = METHODS.filter((m) => !methods.has(m));
    if (rest.length > 0) app.route({ method: [...rest], url, handler: methodNotAllowed([...methods]) });
  }
}
