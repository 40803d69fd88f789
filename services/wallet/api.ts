// Wallet's HTTP resources under /api/wallet: the customer's accounts, deposits, withdrawals, peer-to-peer transfers, balances and statements.
import { MillraceError, type Principal } from '@millrace/platform';
import type { AccountView, LedgerClient, TransferCommand, TransferResult } from '@millrace/ledger/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decodeCursor, encodeCursor, IDEMPOTENCY_KEY, outcomeOf, transferIdFor } from './domain.ts';
import { walletCodes } from './errors.ts';

export interface WalletRouteDeps {
  readonly ledger: LedgerClient;
}

const money = z.union([z.string().regex(/^\d{1,19}$/), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)])
  .transform((v) => BigInt(v))
  .refine((v) => v > 0n && v <= 9_223_372_036_854_775_807n, 'a positive amount of minor units that fits in 64 bits');
const accountId = z.string().min(1).max(200);

const bodies = {
  open: z.object({ currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR') }).strict(),
  deposit: z.object({ accountId, amount: money }).strict(),
  withdraw: z.object({ accountId, amount: money }).strict(),
  transfer: z.object({ fromAccountId: accountId, toAccountId: accountId, amount: money }).strict(),
  id: z.object({ id: accountId }),
  balance: z.object({ at: z.iso.datetime({ offset: true }).optional() }).strict(),
  statement: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(100).optional() }).strict(),
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? undefined);
  if (r.success) return r.data;
  const message = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new MillraceError('validation', walletCodes.validation, message, { details: r.error.issues });
}

const wireAccount = (a: AccountView) => ({
  id: a.id, currency: a.currency, balance: a.balance.toString(), available: a.available?.toString() ?? null,
  pending: a.pendingDebits.toString(), overdraftLimit: a.overdraftLimit?.toString() ?? null,
});

const wireTransfer = (r: TransferResult) => ({
  id: r.id, status: r.status, kind: r.kind, from: r.debitAccountId, to: r.creditAccountId, amount: r.amount.toString(), currency: r.currency,
});

function caller(req: FastifyRequest): Principal {
  if (!req.principal) throw new MillraceError('unauthenticated', walletCodes.unauthenticated, 'authentication required');
  return req.principal;
}

function idempotencyKey(req: FastifyRequest): string {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new MillraceError('validation', walletCodes.idempotencyKeyRequired, 'every money-moving request needs an Idempotency-Key header (1-200 printable characters)');
  }
  return key;
}

/**
 * Registers the wallet routes; every account is the caller's own (another's answers 404, as if it did not exist).
 * @example await app.register((app) => walletRoutes(app, { ledger }))
 */
export async function walletRoutes(app: FastifyInstance, deps: WalletRouteDeps): Promise<void> {
  const { ledger } = deps;

  async function own(p: Principal, id: string): Promise<AccountView> {
    const a = await ledger.account(id);
    if (!a || a.kind !== 'user' || a.ownerId !== p.id) throw new MillraceError('not-found', walletCodes.accountNotFound, 'no such account');
    return a;
  }

  async function move(reply: FastifyReply, cmd: TransferCommand) {
    const r = await ledger.transfer(cmd);
    const o = outcomeOf(r);
    if (o.kind === 'refused') throw new MillraceError('conflict', o.code, o.message, { details: { transferId: r.id } });
    if (r.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(o.status).send(wireTransfer(r));
  }

  app.get('/api/wallet/accounts', async (req) => {
    const p = caller(req);
    return { items: (await ledger.accountsOf(p.id)).filter((a) => a.kind === 'user').map(wireAccount) };
  });

  app.post('/api/wallet/accounts', async (req, reply) => {
    const p = caller(req);
    const { currency } = parse(bodies.open, req.body);
    const existing = (await ledger.accountsOf(p.id)).find((a) => a.kind === 'user' && a.currency === currency);
    if (existing) return reply.code(200).send(wireAccount(existing));
    return reply.code(201).send(wireAccount(await ledger.openAccount({ ownerId: p.id, currency })));
  });

  app.get('/api/wallet/accounts/:id', async (req) => {
    const p = caller(req);
    const a = await own(p, parse(bodies.id, req.params).id);
    const { at } = parse(bodies.balance, req.query);
    if (at) return { id: a.id, currency: a.currency, at: new Date(at).toISOString(), balance: (await ledger.balanceAt(a.id, new Date(at))).toString() };
    return wireAccount(a);
  });

  app.get('/api/wallet/accounts/:id/statement', async (req) => {
    const p = caller(req);
    const a = await own(p, parse(bodies.id, req.params).id);
    const q = parse(bodies.statement, req.query);
    const after = q.cursor === undefined ? 0n : decodeCursor(q.cursor);
    if (after === null) throw new MillraceError('validation', walletCodes.cursorInvalid, 'cursor is not one this API issued');
    const lines = await ledger.statement(a.id, { afterSeq: after, limit: q.limit + 1 });
    const page = lines.slice(0, q.limit);
    const next = lines.length > q.limit ? `/api/wallet/accounts/${encodeURIComponent(a.id)}/statement?limit=${q.limit}&cursor=${encodeCursor(page.at(-1)!.seq)}` : null;
    return {
      items: page.map((l) => ({
        seq: l.seq.toString(), transferId: l.transferId, kind: l.kind, amount: l.amount.toString(), balance: l.balance.toString(),
        counterpartyAccountId: l.counterpartyAccountId, postedAt: l.postedAt.toISOString(),
      })),
      next,
    };
  });

  app.post('/api/wallet/deposits', async (req, reply) => {
    const p = caller(req);
    const key = idempotencyKey(req);
    const b = parse(bodies.deposit, req.body);
    const a = await own(p, b.accountId);
    const cashIn = await ledger.systemAccount('cash-in', a.currency);
    return move(reply, { id: transferIdFor(p.id, key), kind: 'deposit', debitAccountId: cashIn.id, creditAccountId: a.id, amount: b.amount, initiatedBy: p.id });
  });

  app.post('/api/wallet/withdrawals', async (req, reply) => {
    const p = caller(req);
    const key = idempotencyKey(req);
    const b = parse(bodies.withdraw, req.body);
    const a = await own(p, b.accountId);
    const cashOut = await ledger.systemAccount('cash-out', a.currency);
    return move(reply, { id: transferIdFor(p.id, key), kind: 'withdrawal', debitAccountId: a.id, creditAccountId: cashOut.id, amount: b.amount, initiatedBy: p.id });
  });

  app.post('/api/wallet/transfers', async (req, reply) => {
    const p = caller(req);
    const key = idempotencyKey(req);
    const b = parse(bodies.transfer, req.body);
    const from = await own(p, b.fromAccountId);
    const to = await ledger.account(b.toAccountId);
    if (!to || to.kind !== 'user') throw new MillraceError('not-found', walletCodes.accountNotFound, 'no such recipient account');
    if (to.currency !== from.currency) throw new MillraceError('validation', walletCodes.validation, `the recipient account holds ${to.currency}, not ${from.currency}`);
    return move(reply, { id: transferIdFor(p.id, key), kind: 'transfer', debitAccountId: from.id, creditAccountId: to.id, amount: b.amount, initiatedBy: p.id });
  });
}
