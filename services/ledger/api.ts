// Ledger's HTTP resources under /api/ledger: operator transfers (pending, FX), the fraud analyst's review queue, rules, chain verification and replay.
import { encodeCursor, MillraceError, readCursor, type Principal } from '@millrace/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SYSTEM_ROLES, TRANSFER_KINDS } from './contract.ts';
import { ledgerCodes } from './errors.ts';
import type { Ledger } from './ledger.ts';

/** What the analyst queue's cursor orders by. */
const REVIEW_KEYS = 'created_at,id';

export interface LedgerRouteDeps {
  readonly ledger: Ledger;
}

/** Money on the wire: a decimal string (or a safe integer) of minor units. */
export const moneyInput = z.union([z.string().regex(/^\d{1,19}$/), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)]).transform((v) => BigInt(v));
const id = z.string().regex(/^[A-Za-z0-9._:\-]{1,100}$/);

const bodies = {
  transfer: z.object({
    id, kind: z.enum(TRANSFER_KINDS).default('adjustment'), debitAccountId: z.string().min(1), creditAccountId: z.string().min(1), amount: moneyInput,
    pending: z.object({ expiresAt: z.iso.datetime({ offset: true }).nullable().default(null) }).optional(),
    initiatedBy: z.string().min(1).max(200).optional(),
  }).strict(),
  fx: z.object({ id, debitAccountId: z.string().min(1), creditAccountId: z.string().min(1), amount: moneyInput, rate: z.string().regex(/^\d+(\.\d{1,12})?$/) }).strict(),
  void: z.object({ reason: z.string().max(200).default('voided') }).strict().default({ reason: 'voided' }),
  review: z.object({ note: z.string().trim().min(1).max(1000) }).strict(),
  rule: z.object({ params: z.record(z.string(), z.number()).optional(), enabled: z.boolean().optional() }).strict(),
  params: z.object({ id: z.string().min(1).max(200) }),
  reviewPage: z.object({ limit: z.coerce.number().int().min(1).max(200).default(100), cursor: z.string().max(500).optional() }),
  open: z.object({ ownerId: z.string().min(1).max(200), currency: z.string().regex(/^[A-Z]{3}$/) }).strict(),
  ids: z.object({ ids: z.string().min(1).max(20_000).refine((v) => v.split(',').length <= 200, 'at most 200 ids') }),
  owner: z.object({ ownerId: z.string().min(1).max(200) }),
  system: z.object({ role: z.enum(SYSTEM_ROLES), currency: z.string().regex(/^[A-Z]{3}$/) }),
  statement: z.object({ afterSeq: z.string().regex(/^\d{1,19}$/).default('0').transform((v) => BigInt(v)), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
  at: z.object({ at: z.iso.datetime({ offset: true }) }),
  rule_params: z.object({ rule: z.string().min(1).max(50) }),
};

/** Parses or throws a 400 with every issue. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, code: string = ledgerCodes.validation): z.output<S> {
  const r = schema.safeParse(value ?? undefined);
  if (r.success) return r.data;
  const message = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new MillraceError('validation', code, message, { details: r.error.issues });
}

/** JSON-safe copy: bigint -> decimal string, Date -> ISO string. */
export function wire(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(wire);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wire(v)]));
  return value;
}

/** The caller, holding one of `roles`; 401 when anonymous, 403 otherwise. */
export function requireRole(req: FastifyRequest, ...roles: string[]): Principal {
  const p = req.principal;
  if (!p) throw new MillraceError('unauthenticated', ledgerCodes.unauthenticated, 'authentication required');
  if (!p.roles.some((r) => roles.includes(r))) throw new MillraceError('forbidden', ledgerCodes.forbidden, `requires one of the roles: ${roles.join(', ')}`);
  return p;
}

const STAFF = ['admin', 'operator'];
/** Other services calling the ledger over HTTP (the wallet in the distributed mode) hold the `service` role. */
const SERVICE = ['admin', 'service'];

/**
 * Registers the ledger routes; errors are MillraceErrors rendered by the app's problem+json handler.
 * @example await app.register((app) => ledgerRoutes(app, { ledger }))
 */
export async function ledgerRoutes(app: FastifyInstance, deps: LedgerRouteDeps): Promise<void> {
  const { ledger } = deps;

  // the LedgerClient port over HTTP, for services in other processes
  app.post('/api/ledger/accounts', async (req, reply) => {
    requireRole(req, ...SERVICE);
    const b = parse(bodies.open, req.body);
    return reply.code(201).send(wire(await ledger.openAccount(b)));
  });

  app.get('/api/ledger/accounts', async (req) => {
    requireRole(req, ...SERVICE, ...STAFF);
    return { items: wire(await ledger.accountsOf(parse(bodies.owner, req.query).ownerId)) };
  });

  // many accounts read in one statement: one snapshot, so their sum is meaningful (the bank test's reader, dashboards)
  app.get('/api/ledger/balances', async (req) => {
    requireRole(req, ...SERVICE, ...STAFF);
    const ids = parse(bodies.ids, req.query).ids.split(',');
    return { items: wire(await ledger.accountsById(ids)) };
  });

  app.get('/api/ledger/system-accounts/:role/:currency', async (req) => {
    requireRole(req, ...SERVICE, ...STAFF);
    const p = parse(bodies.system, req.params);
    return wire(await ledger.systemAccount(p.role, p.currency));
  });

  app.get('/api/ledger/accounts/:id/statement', async (req) => {
    requireRole(req, ...SERVICE, ...STAFF);
    const q = parse(bodies.statement, req.query);
    return { items: wire(await ledger.statement(parse(bodies.params, req.params).id, { afterSeq: q.afterSeq, limit: q.limit })) };
  });

  app.get('/api/ledger/accounts/:id/balance', async (req) => {
    requireRole(req, ...SERVICE, ...STAFF);
    const at = new Date(parse(bodies.at, req.query).at);
    return { at: at.toISOString(), balance: (await ledger.balanceAt(parse(bodies.params, req.params).id, at)).toString() };
  });

  app.get('/api/ledger/accounts/:id', async (req) => {
    requireRole(req, ...SERVICE, ...STAFF);
    const a = await ledger.account(parse(bodies.params, req.params).id);
    if (!a) throw new MillraceError('not-found', ledgerCodes.accountNotFound, 'no such account');
    return wire(a);
  });

  app.post('/api/ledger/transfers', async (req, reply) => {
    const p = requireRole(req, ...SERVICE, ...STAFF);
    const b = parse(bodies.transfer, req.body);
    const r = await ledger.transfer({
      id: b.id, kind: b.kind, debitAccountId: b.debitAccountId, creditAccountId: b.creditAccountId, amount: b.amount, initiatedBy: b.initiatedBy ?? p.id,
      ...(b.pending ? { pending: { expiresAt: b.pending.expiresAt ? new Date(b.pending.expiresAt) : null } } : {}),
    });
    return reply.code(r.replayed ? 200 : 201).send(wire(r));
  });

  app.get('/api/ledger/transfers/:id', async (req) => {
    requireRole(req, ...STAFF);
    const t = await ledger.transferById(parse(bodies.params, req.params).id);
    if (!t) throw new MillraceError('not-found', ledgerCodes.transferNotFound, 'no such transfer');
    return wire(t);
  });

  app.post('/api/ledger/transfers/:id/post', async (req) => {
    requireRole(req, ...STAFF);
    return wire(await ledger.postPending(parse(bodies.params, req.params).id));
  });

  app.post('/api/ledger/transfers/:id/void', async (req) => {
    requireRole(req, ...STAFF);
    return wire(await ledger.voidPending(parse(bodies.params, req.params).id, parse(bodies.void, req.body).reason));
  });

  app.post('/api/ledger/fx', async (req, reply) => {
    requireRole(req, ...STAFF);
    const r = await ledger.fx(parse(bodies.fx, req.body));
    return reply.code(r.debited.replayed ? 200 : 201).send(wire(r));
  });

  // the fraud analyst's queue: held transfers, oldest first, with the rule versions that fired
  app.get('/api/ledger/reviews', async (req) => {
    requireRole(req, ...STAFF);
    const q = parse(bodies.reviewPage, req.query);
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const [createdAt, id] = readCursor(q.cursor, REVIEW_KEYS, 2) ?? [];
      if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) throw new MillraceError('validation', ledgerCodes.badCursor, 'cursor: not a cursor this API handed out');
      after = { createdAt, id };
    }
    const page = await ledger.held(q.limit, after);
    const next = page.last ? `/api/ledger/reviews?${new URLSearchParams({ limit: String(q.limit), cursor: encodeCursor(REVIEW_KEYS, [page.last.createdAt, page.last.id]) })}` : null;
    return { items: wire(page.items), next };
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/api/ledger/reviews/:id/${decision}`, async (req) => {
      const p = requireRole(req, ...STAFF);
      const transferId = parse(bodies.params, req.params).id;
      return wire(await ledger.review(transferId, decision, p.id, parse(bodies.review, req.body).note));
    });
  }

  app.get('/api/ledger/reviews/:id/audit', async (req) => {
    requireRole(req, ...STAFF);
    return { items: wire(await ledger.reviews(parse(bodies.params, req.params).id)) };
  });

  app.get('/api/ledger/fraud-rules', async (req) => {
    requireRole(req, ...STAFF);
    return { items: await ledger.reloadRules() };
  });

  app.put('/api/ledger/fraud-rules/:rule', async (req) => {
    const p = requireRole(req, 'admin');
    return ledger.changeRule(parse(bodies.rule_params, req.params).rule, parse(bodies.rule, req.body), p.id);
  });

  app.get('/api/ledger/verify', async (req) => {
    requireRole(req, 'admin');
    return ledger.verify();
  });

  app.post('/api/ledger/replay', async (req) => {
    requireRole(req, 'admin');
    return ledger.replay();
  });
}
