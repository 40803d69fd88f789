// The ledger suite: double spend, idempotency, holds and expiry, limits, FX, replay and the hash chain; run on PGlite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Database, type EventBus } from '@millrace/platform';
import type { AccountView } from './contract.ts';
import type { Ledger } from './ledger.ts';
import { as, startLedger, type LedgerHarness } from './test-app.ts';

let n = 0;
const uid = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

/** Opens a funded user account: a deposit from cash-in. */
export async function funded(ledger: Ledger, amount: bigint, currency = 'USD', owner = uid('owner')): Promise<AccountView> {
  const a = await ledger.openAccount({ ownerId: owner, currency });
  if (amount > 0n) {
    const cashIn = await ledger.systemAccount('cash-in', currency);
    const r = await ledger.transfer({ id: uid('dep'), kind: 'deposit', debitAccountId: cashIn.id, creditAccountId: a.id, amount });
    assert.equal(r.status, 'posted');
  }
  return (await ledger.account(a.id))!;
}

export async function journalCount(db: Database, transferId?: string): Promise<number> {
  const { rows } = transferId
    ? await sql<{ n: string }>`select count(*)::text as n from ledger.journal where transfer_id = ${transferId}`.execute(db.kysely)
    : await sql<{ n: string }>`select count(*)::text as n from ledger.journal`.execute(db.kysely);
  return Number(rows[0]!.n);
}

export function ledgerSuite(name: string, url: () => Promise<string | undefined>, bus?: (db: Database) => Promise<EventBus>): void {
  describe(`ledger core (${name})`, () => {
    let h: LedgerHarness;
    let ledger: Ledger;
    before(async () => {
      h = await startLedger({ url: await url(), fraud: false, ...(bus ? { bus } : {}) });
      ledger = h.service.ledger;
    });
    after(() => h.close());

    it('double spend: 1,000 concurrent withdrawals of the full balance: exactly one posts, the balance is never negative', async () => {
      const acct = await funded(ledger, 10_000n);
      const cashOut = await ledger.systemAccount('cash-out', 'USD');
      let sampling = true;
      const seen: bigint[] = [];
      const sampler = (async () => {
        while (sampling) {
          const { rows } = await sql<{ b: string; p: string }>`select balance::text as b, pending_debits::text as p from ledger.accounts where id = ${acct.id}`.execute(h.db.kysely);
          seen.push(BigInt(rows[0]!.b) - BigInt(rows[0]!.p));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
        ledger.transfer({ id: `${acct.id}-w${i}`, kind: 'withdrawal', debitAccountId: acct.id, creditAccountId: cashOut.id, amount: 10_000n })));
      sampling = false;
      await sampler;
      assert.equal(results.filter((r) => r.status === 'posted').length, 1);
      assert.equal(results.filter((r) => r.status === 'rejected' && r.reason === 'insufficient-funds').length, 999);
      assert.equal((await ledger.account(acct.id))!.balance, 0n);
      assert.ok(seen.length > 0 && seen.every((b) => b >= 0n), `a sampled balance was negative: ${seen.find((b) => b < 0n)}`);
      // not by luck: the database itself refuses an overdraft, whatever the code does
      await assert.rejects(sql`update ledger.accounts set balance = -1 where id = ${acct.id}`.execute(h.db.kysely), /accounts_no_overdraft/);
    });

    it('idempotency: one transfer id sent 50 times concurrently posts once; the repeats return the original result', async () => {
      const a = await funded(ledger, 1_000n);
      const b = await ledger.openAccount({ ownerId: uid('bob'), currency: 'USD' });
      const id = uid('t');
      const results = await Promise.all(Array.from({ length: 50 }, () => ledger.transfer({ id, kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 300n })));
      assert.ok(results.every((r) => r.status === 'posted' && r.id === id && r.amount === 300n));
      assert.equal(results.filter((r) => !r.replayed).length, 1);
      assert.equal(await journalCount(h.db, id), 1);
      assert.equal((await ledger.account(a.id))!.balance, 700n);
      assert.equal((await ledger.account(b.id))!.balance, 300n);
      // a later repeat also returns the stored result; reusing the id for something else is a conflict
      assert.equal((await ledger.transfer({ id, kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 300n })).replayed, true);
      await assert.rejects(ledger.transfer({ id, kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 301n }), { code: 'LEDGER_TRANSFER_ID_REUSED' });
      // a rejection is a result too: repeating it returns the same rejection
      const big = uid('t');
      const r1 = await ledger.transfer({ id: big, kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 5_000n });
      const r2 = await ledger.transfer({ id: big, kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 5_000n });
      assert.deepEqual([r1.status, r2.status, r2.replayed], ['rejected', 'rejected', true]);
    });

    it('statement: running balances, cursor by seq, point-in-time balance', async () => {
      const a = await funded(ledger, 1_000n);
      const b = await ledger.openAccount({ ownerId: uid('b'), currency: 'USD' });
      const t0 = h.clock.now();
      h.clock.advance(60);
      for (const amount of [100n, 200n, 50n]) await ledger.transfer({ id: uid('t'), kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount });
      const all = await ledger.statement(a.id, { limit: 10 });
      assert.deepEqual(all.map((l) => [l.amount, l.balance]), [[1_000n, 1_000n], [-100n, 900n], [-200n, 700n], [-50n, 650n]]);
      const page2 = await ledger.statement(a.id, { afterSeq: all[1]!.seq, limit: 2 });
      assert.deepEqual(page2.map((l) => l.balance), [700n, 650n]);
      assert.equal(await ledger.balanceAt(a.id, t0), 1_000n);
      assert.equal(await ledger.balanceAt(a.id, h.clock.now()), 650n);
      assert.equal(await ledger.balanceAt(a.id, new Date(0)), 0n);
    });

    it('pending transfers reserve funds, then post or void; expired ones are voided', async () => {
      const a = await funded(ledger, 1_000n);
      const b = await ledger.openAccount({ ownerId: uid('b'), currency: 'USD' });
      const hold = await ledger.transfer({ id: uid('p'), kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 800n, pending: { expiresAt: new Date(h.clock.now().getTime() + 60_000) } });
      assert.equal(hold.status, 'pending');
      let acct = (await ledger.account(a.id))!;
      assert.deepEqual([acct.balance, acct.pendingDebits, acct.available], [1_000n, 800n, 200n]);
      const spend = await ledger.transfer({ id: uid('t'), kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 300n });
      assert.equal(spend.reason, 'insufficient-funds', 'reserved funds are not spendable');
      assert.equal((await ledger.postPending(hold.id)).status, 'posted');
      assert.equal((await ledger.postPending(hold.id)).replayed, true);
      acct = (await ledger.account(a.id))!;
      assert.deepEqual([acct.balance, acct.pendingDebits], [200n, 0n]);

      const v = await ledger.transfer({ id: uid('p'), kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 100n, pending: { expiresAt: null } });
      assert.equal((await ledger.voidPending(v.id, 'customer cancelled')).status, 'voided');
      const e1 = await ledger.transfer({ id: uid('p'), kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 50n, pending: { expiresAt: new Date(h.clock.now().getTime() + 10_000) } });
      const e2 = await ledger.transfer({ id: uid('p'), kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 60n, pending: { expiresAt: new Date(h.clock.now().getTime() + 10_000) } });
      h.clock.advance(11);
      assert.equal((await ledger.postPending(e1.id)).reason, 'expired');
      assert.ok((await ledger.expireDue()) >= 1);
      assert.equal((await ledger.transferById(e2.id))!.status, 'voided');
      acct = (await ledger.account(a.id))!;
      assert.deepEqual([acct.balance, acct.pendingDebits], [200n, 0n]);
    });

    it('limits: no overdraft without a limit, down to the limit with one; a maximum balance caps credits', async () => {
      const cashIn = await ledger.systemAccount('cash-in', 'USD');
      const fees = await ledger.systemAccount('fees', 'USD');
      const credit = await ledger.openAccount({ ownerId: uid('c'), currency: 'USD', overdraftLimit: 500n });
      assert.equal((await ledger.transfer({ id: uid('f'), kind: 'fee', debitAccountId: credit.id, creditAccountId: fees.id, amount: 500n })).status, 'posted');
      assert.equal((await ledger.transfer({ id: uid('f'), kind: 'fee', debitAccountId: credit.id, creditAccountId: fees.id, amount: 1n })).reason, 'insufficient-funds');
      assert.equal((await ledger.account(credit.id))!.balance, -500n);
      const capped = await ledger.openAccount({ ownerId: uid('k'), currency: 'USD', maxBalance: 1_000n });
      assert.equal((await ledger.transfer({ id: uid('d'), kind: 'deposit', debitAccountId: cashIn.id, creditAccountId: capped.id, amount: 1_001n })).reason, 'balance-limit-exceeded');
      // cross-currency plain transfers are refused
      const eur = await ledger.openAccount({ ownerId: uid('e'), currency: 'EUR' });
      await assert.rejects(ledger.transfer({ id: uid('x'), kind: 'transfer', debitAccountId: capped.id, creditAccountId: eur.id, amount: 1n }), { code: 'LEDGER_CURRENCY_MISMATCH' });
    });

    it('FX: debit in one currency, credit at the stated rate in another, through the exchange accounts', async () => {
      const usd = await funded(ledger, 10_000n, 'USD');
      const eur = await ledger.openAccount({ ownerId: usd.ownerId, currency: 'EUR' });
      const r = await ledger.fx({ id: uid('fx'), debitAccountId: usd.id, creditAccountId: eur.id, amount: 1_000n, rate: '0.9215' });
      assert.equal(r.debited.status, 'posted');
      assert.equal(r.credited!.amount, 921n);
      assert.equal((await ledger.account(usd.id))!.balance, 9_000n);
      assert.equal((await ledger.account(eur.id))!.balance, 921n);
      assert.equal((await ledger.systemAccount('exchange', 'USD')).balance, 1_000n);
      assert.equal((await ledger.systemAccount('exchange', 'EUR')).balance, -921n);
      const again = await ledger.fx({ id: r.debited.id, debitAccountId: usd.id, creditAccountId: eur.id, amount: 1_000n, rate: '0.9215' });
      assert.equal(again.debited.replayed, true);
      assert.equal((await ledger.account(eur.id))!.balance, 921n);
    });

    it('operator HTTP: pending transfer posted and voided, FX, verify and replay; customers refused', async () => {
      const staff = as('olga', 'operator');
      const a = await funded(ledger, 1_000n);
      const b = await ledger.openAccount({ ownerId: uid('b'), currency: 'USD' });
      const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) => h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      const body = (id: string) => ({ id, kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: '400', pending: { expiresAt: null } });
      assert.equal((await call('POST', '/api/ledger/transfers', as('mallory'), body(uid('p')))).statusCode, 403);
      const p1 = await call('POST', '/api/ledger/transfers', staff, body(uid('p')));
      assert.deepEqual([p1.statusCode, p1.json().status, p1.json().amount], [201, 'pending', '400']);
      assert.equal((await call('POST', `/api/ledger/transfers/${p1.json().id}/post`, staff)).json().status, 'posted');
      const p2 = await call('POST', '/api/ledger/transfers', staff, body(uid('p')));
      const v = await call('POST', `/api/ledger/transfers/${p2.json().id}/void`, staff, { reason: 'duplicate order' });
      assert.deepEqual([v.json().status, v.json().reason], ['voided', 'duplicate order']);
      assert.equal((await call('GET', `/api/ledger/transfers/${p2.json().id}`, staff)).json().status, 'voided');
      assert.equal((await call('GET', `/api/ledger/accounts/${a.id}`, staff)).json().balance, '600');
      const eur = await ledger.openAccount({ ownerId: a.ownerId, currency: 'EUR' });
      const fx = await call('POST', '/api/ledger/fx', staff, { id: uid('fx'), debitAccountId: a.id, creditAccountId: eur.id, amount: '100', rate: '1.5' });
      assert.deepEqual([fx.statusCode, fx.json().credited.amount, fx.json().credited.currency], [201, '150', 'EUR']);
      assert.equal((await call('POST', '/api/ledger/fx', staff, { id: uid('fx'), debitAccountId: a.id, creditAccountId: eur.id, amount: '100', rate: '1,5' })).statusCode, 400);
      assert.equal((await call('GET', '/api/ledger/verify', staff)).statusCode, 403, 'admin only');
      assert.equal((await call('GET', '/api/ledger/verify', as('root', 'admin'))).json().ok, true);
      assert.equal((await call('POST', '/api/ledger/replay', as('root', 'admin'))).json().identical, true);
    });

    it('conservation: debits equal credits, every balance is the journal folded; replay rebuilds identical projections', async () => {
      const { rows } = await sql<{ total: string; neg: string }>`
        select coalesce(sum(balance), 0)::text as total, count(*) filter (where kind = 'user' and balance - pending_debits < -coalesce(overdraft_limit, 0))::text as neg
        from ledger.accounts`.execute(h.db.kysely);
      // each currency sums to zero: money is only ever moved, never created (cash-in goes negative)
      const { rows: perCurrency } = await sql<{ currency: string; s: string }>`select currency, sum(balance)::text as s from ledger.accounts group by currency`.execute(h.db.kysely);
      assert.ok(perCurrency.every((r) => r.s === '0'), JSON.stringify(perCurrency));
      assert.equal(rows[0]!.neg, '0');
      const report = await ledger.replay();
      assert.equal(report.identical, true, JSON.stringify(report.sample));
      assert.ok(report.entries > 1000 - 999 && report.statementLines > 0);
    });

    it('hash chain: verifies; the journal refuses updates; a modified row is detected', async () => {
      const ok = await ledger.verify();
      assert.equal(ok.ok, true, JSON.stringify(ok.firstBad));
      assert.ok(ok.entries > 10);
      await assert.rejects(sql`update ledger.journal set amount = amount + 1 where seq = 3`.execute(h.db.kysely), /append-only/);
      await assert.rejects(sql`delete from ledger.journal where seq = 3`.execute(h.db.kysely), /append-only/);
      // an attacker with the owner's rights switches the guard off and edits a row
      await sql`alter table ledger.journal disable trigger journal_no_update`.execute(h.db.kysely);
      await sql`update ledger.journal set amount = amount + 1 where seq = 3`.execute(h.db.kysely);
      await sql`alter table ledger.journal enable trigger journal_no_update`.execute(h.db.kysely);
      const bad = await ledger.verify();
      assert.equal(bad.ok, false);
      assert.deepEqual(bad.firstBad, { seq: '3', problem: 'hash does not match the row: the row was modified' });
      // and the rebuilt projections no longer match the live ones
      assert.equal((await ledger.replay()).identical, false);
    });
  });
}
