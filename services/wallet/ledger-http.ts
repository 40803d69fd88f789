// The ledger's port (LedgerClient) over HTTP: how the wallet reaches a ledger running in another process.
import { MillraceError } from '@millrace/platform';
import type { AccountView, LedgerClient, StatementLine, SystemRole, TransferCommand, TransferResult } from '@millrace/ledger/contract';
import { walletCodes } from './errors.ts';

type Json = Record<string, unknown>;
const big = (v: unknown) => BigInt(v as string);
const bigOrNull = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as string));

const account = (j: Json): AccountView => ({
  id: j.id as string, ownerId: j.ownerId as string, currency: j.currency as string, kind: j.kind as AccountView['kind'],
  balance: big(j.balance), pendingDebits: big(j.pendingDebits), pendingCredits: big(j.pendingCredits), available: bigOrNull(j.available),
  overdraftLimit: bigOrNull(j.overdraftLimit), version: big(j.version),
});

const transfer = (j: Json): TransferResult => ({
  id: j.id as string, status: j.status as TransferResult['status'], kind: j.kind as TransferResult['kind'], debitAccountId: j.debitAccountId as string,
  creditAccountId: j.creditAccountId as string, amount: big(j.amount), currency: j.currency as string, reason: (j.reason as string | null) ?? null, replayed: j.replayed as boolean,
});

/**
 * A LedgerClient calling the ledger's `/api/ledger` routes with a service credential (the `service` role).
 * @example const ledger = httpLedgerClient({ baseUrl: 'http://ledger:3000', authorization: `Bearer ${serviceToken}` })
 */
export function httpLedgerClient(options: { baseUrl: string; authorization: string; fetch?: typeof fetch }): LedgerClient {
  const f = options.fetch ?? fetch;
  async function call(method: string, path: string, body?: unknown, allow404 = false): Promise<Json | undefined> {
    let res: Response;
    try {
      res = await f(`${options.baseUrl}${path}`, {
        method, headers: { authorization: options.authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new MillraceError('unavailable', walletCodes.ledgerUnavailable, 'the ledger cannot be reached', { cause });
    }
    const json = (await res.json().catch(() => ({}))) as Json;
    if (res.ok) return json;
    if (res.status === 404 && allow404) return undefined;
    // the ledger's problem keeps its kind and code: a 409 stays a conflict, a 400 a validation error
    const kind = res.status === 400 ? 'validation' : res.status === 404 ? 'not-found' : res.status === 409 ? 'conflict' : 'unavailable';
    throw new MillraceError(kind, (json.code as string) ?? walletCodes.ledgerUnavailable, (json.detail as string) ?? `ledger answered ${res.status}`);
  }
  const enc = encodeURIComponent;
  return {
    async openAccount(input) {
      return account((await call('POST', '/api/ledger/accounts', input))!);
    },
    async account(id) {
      const j = await call('GET', `/api/ledger/accounts/${enc(id)}`, undefined, true);
      return j && account(j);
    },
    async accountsOf(ownerId) {
      return ((await call('GET', `/api/ledger/accounts?ownerId=${enc(ownerId)}`))!.items as Json[]).map(account);
    },
    async systemAccount(role: SystemRole, currency: string) {
      return account((await call('GET', `/api/ledger/system-accounts/${role}/${currency}`))!);
    },
    async transfer(cmd: TransferCommand) {
      const body = {
        id: cmd.id, kind: cmd.kind, debitAccountId: cmd.debitAccountId, creditAccountId: cmd.creditAccountId, amount: cmd.amount.toString(),
        ...(cmd.initiatedBy ? { initiatedBy: cmd.initiatedBy } : {}),
        ...(cmd.pending ? { pending: { expiresAt: cmd.pending.expiresAt?.toISOString() ?? null } } : {}),
      };
      return transfer((await call('POST', '/api/ledger/transfers', body))!);
    },
    async statement(accountId, page): Promise<StatementLine[]> {
      const j = (await call('GET', `/api/ledger/accounts/${enc(accountId)}/statement?afterSeq=${page.afterSeq ?? 0n}&limit=${page.limit}`))!;
      return (j.items as Json[]).map((l) => ({
        seq: big(l.seq), transferId: l.transferId as string, kind: l.kind as StatementLine['kind'], amount: big(l.amount), balance: big(l.balance),
        counterpartyAccountId: l.counterpartyAccountId as string, postedAt: new Date(l.postedAt as string),
      }));
    },
    async balanceAt(accountId, at) {
      return big((await call('GET', `/api/ledger/accounts/${enc(accountId)}/balance?at=${enc(at.toISOString())}`))!.balance);
    },
  };
}
