// Fraud in the posting path and the analyst's review over HTTP: each rule holds what it should, the audit trail, rule versions; PGlite and PostgreSQL + Kafka.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Database, type EventBus } from '@millrace/platform';
import { waitFor } from '@millrace/platform/testing';
import type { Ledger } from './ledger.ts';
import { funded } from './ledger.suite.ts';
import { as, startLedger, testClock, type LedgerHarness } from './test-app.ts';

let n = 0;
const uid = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

export function reviewSuite(name: string, url: () => Promise<string | undefined>, bus: (db: Database) => Promise<EventBus>): void {
  describe(`fraud rules and review (${name})`, () => {
    let h: LedgerHarness;
    let ledger: Ledger;
    let theBus: EventBus;
    let suiteStart: Date;
    before(async () => {
      suiteStart = new Date(Date.now() - 1000);
      // the credential event carries the wall-clock time of its producer
      h = await startLedger({ url: await url(), fraud: true, clock: testClock(new Date().toISOString()), bus: async (db) => (theBus = await bus(db)) });
      ledger = h.service.ledger;
      await theBus.start();
    });
    after(() => h.close());

    const withdraw = async (from: string, amount: bigint) =>
      ledger.transfer({ id: uid('w'), kind: 'withdrawal', debitAccountId: from, creditAccountId: (await ledger.systemAccount('cash-out', 'USD')).id, amount });
    const pay = (from: string, to: string, amount: bigint) => ledger.transfer({ id: uid('t'), kind: 'transfer', debitAccountId: from, creditAccountId: to, amount });

    it('velocity: the 6th withdrawal in 10 minutes is held (funds reserved); a normal withdrawal posts', async () => {
      const a = await funded(ledger, 10_000n);
      for (let i = 0; i < 5; i++) assert.equal((await withdraw(a.id, 100n)).status, 'posted');
      const sixth = await withdraw(a.id, 100n);
      assert.equal(sixth.status, 'held');
      assert.equal(sixth.reason, 'velocity@v1');
      const acct = (await ledger.account(a.id))!;
      assert.deepEqual([acct.balance, acct.pendingDebits], [9_500n, 100n]);
      const other = await funded(ledger, 1_000n);
      assert.equal((await withdraw(other.id, 100n)).status, 'posted');
    });

    it('large amount: far above the usual is held; the usual amount posts', async () => {
      const a = await funded(ledger, 100_000n);
      const b = await ledger.openAccount({ ownerId: uid('b'), currency: 'USD' });
      for (let i = 0; i < 5; i++) assert.equal((await pay(a.id, b.id, 100n)).status, 'posted');
      assert.equal((await pay(a.id, b.id, 5_000n)).reason, 'large-amount@v1');
      assert.equal((await pay(a.id, b.id, 120n)).status, 'posted');
    });

    it('many new counterparties: the 4th new payee within an hour is held; a known payee posts', async () => {
      const a = await funded(ledger, 10_000n);
      const payees = await Promise.all([1, 2, 3, 4].map(() => ledger.openAccount({ ownerId: uid('p'), currency: 'USD' })));
      for (const p of payees.slice(0, 3)) assert.equal((await pay(a.id, p.id, 10n)).status, 'posted');
      assert.equal((await pay(a.id, payees[3]!.id, 10n)).reason, 'new-counterparties@v1');
      assert.equal((await pay(a.id, payees[0]!.id, 10n)).status, 'posted');
    });

    it('credential change (identity event through the bus): a withdrawal right after it is held; other owners are not', async () => {
      const a = await funded(ledger, 1_000n);
      const other = await funded(ledger, 1_000n);
      await theBus.produce([{ type: 'identity.api-key-created', key: a.ownerId, data: { keyId: 'k1', ownerId: a.ownerId, name: 'cli', prefix: 'mr_x', scopes: ['wallet:write'] } }], { source: 'identity' });
      await waitFor('credential change recorded', async () => {
        const { rows } = await sql`select 1 from ledger.credential_changes where owner_id = ${a.ownerId}`.execute(h.db.kysely);
        return rows.length > 0;
      });
      h.clock.advance(60); // the ledger's clock stood still while the event was produced
      assert.equal((await withdraw(a.id, 100n)).reason, 'credential-change@v1');
      assert.equal((await withdraw(other.id, 100n)).status, 'posted');
    });

    it('the analyst queue: list held with the rule versions, approve posts, reject releases; audited; customers are refused', async () => {
      const list = await h.app.inject({ method: 'GET', url: '/api/ledger/reviews', headers: as('ana', 'operator') });
      assert.equal(list.statusCode, 200);
      const items = list.json().items as Array<{ transfer: { id: string; amount: string; debitAccountId: string }; rules: Array<{ rule: string; version: number; reason: string }> }>;
      assert.ok(items.length >= 4);
      assert.ok(items.every((i) => i.rules.length > 0 && i.rules.every((r) => r.version === 1 && r.reason.length > 0)));
      // paged: two at a time, the pages together are the whole queue, in order, none twice
      const paged: string[] = [];
      let url: string | null = '/api/ledger/reviews?limit=2';
      while (url) {
        const res: { statusCode: number; body: string; json(): unknown } = await h.app.inject({ method: 'GET', url, headers: as('ana', 'operator') });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as { items: Array<{ transfer: { id: string } }>; next: string | null };
        paged.push(...body.items.map((i) => i.transfer.id));
        url = body.next;
      }
      assert.deepEqual(paged, items.map((i) => i.transfer.id));
      assert.equal((await h.app.inject({ method: 'GET', url: '/api/ledger/reviews?cursor=bogus', headers: as('ana', 'operator') })).statusCode, 400);
      assert.equal((await h.app.inject({ method: 'GET', url: '/api/ledger/reviews', headers: as('mallory') })).statusCode, 403);
      assert.equal((await h.app.inject({ method: 'GET', url: '/api/ledger/reviews' })).statusCode, 401);

      const [approve, reject] = items;
      const before = (await ledger.account(approve!.transfer.debitAccountId))!;
      const ok = await h.app.inject({ method: 'POST', url: `/api/ledger/reviews/${approve!.transfer.id}/approve`, headers: as('ana', 'operator'), payload: { note: 'customer confirmed by phone' } });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().status, 'posted');
      const afterApprove = (await ledger.account(approve!.transfer.debitAccountId))!;
      assert.equal(afterApprove.balance, before.balance - BigInt(approve!.transfer.amount));
      assert.equal(afterApprove.pendingDebits, before.pendingDebits - BigInt(approve!.transfer.amount));

      const no = await h.app.inject({ method: 'POST', url: `/api/ledger/reviews/${reject!.transfer.id}/reject`, headers: as('ana', 'operator'), payload: { note: 'account takeover' } });
      assert.equal(no.json().status, 'rejected');
      const again = await h.app.inject({ method: 'POST', url: `/api/ledger/reviews/${reject!.transfer.id}/approve`, headers: as('bob', 'operator'), payload: { note: 'oops' } });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'LEDGER_TRANSFER_NOT_HELD');

      const audit = await h.app.inject({ method: 'GET', url: `/api/ledger/reviews/${reject!.transfer.id}/audit`, headers: as('ana', 'operator') });
      assert.deepEqual(audit.json().items.map((r: { decision: string; analystId: string; note: string }) => [r.decision, r.analystId, r.note]), [['rejected', 'ana', 'account takeover']]);
      const { rows } = await sql<{ payload: string }>`select payload from millrace.outbox where type = 'ledger.review-decided' order by id`.execute(h.db.kysely);
      const decided = rows.map((r) => JSON.parse(r.payload).data);
      assert.deepEqual(decided.map((d) => [d.transferId, d.decision, d.analystId]), [[approve!.transfer.id, 'approved', 'ana'], [reject!.transfer.id, 'rejected', 'ana']]);
      assert.ok(decided.every((d) => d.rules.length > 0));
    });

    it('rules are versioned data: an admin changes thresholds, the next decision names the new version', async () => {
      const put = (headers: Record<string, string>, payload: object) => h.app.inject({ method: 'PUT', url: '/api/ledger/fraud-rules/velocity', headers, payload });
      assert.equal((await put(as('ana', 'operator'), { params: { maxWithdrawals: 1 } })).statusCode, 403);
      assert.equal((await put(as('root', 'admin'), { params: { maxWithdrawals: -1 } })).statusCode, 400);
      const changed = await put(as('root', 'admin'), { params: { maxWithdrawals: 1 } });
      assert.equal(changed.statusCode, 200);
      assert.deepEqual([changed.json().version, changed.json().params.maxWithdrawals, changed.json().params.windowSeconds], [2, 1, 600]);
      const a = await funded(ledger, 1_000n);
      assert.equal((await withdraw(a.id, 10n)).status, 'posted');
      assert.equal((await withdraw(a.id, 10n)).reason, 'velocity@v2');
      const rules = await h.app.inject({ method: 'GET', url: '/api/ledger/fraud-rules', headers: as('ana', 'operator') });
      assert.equal(rules.json().items.find((r: { rule: string }) => r.rule === 'velocity').version, 2);
    });

    it('statement lines reach the bus keyed by account id, each account\'s in order (what live balances consume)', async () => {
      type Lines = { id: string; key: string; type: string; data: { accountId: string; ownerId: string; balance: string; lines: Array<{ seq: string; balance: string }> } };
      const seen: Lines[] = [];
      let ours = new Set<string>();
      const sub = await theBus.subscribe({
        group: uid('live-test'), topics: ['ledger'], from: { kind: 'time', time: suiteStart }, // a shared broker keeps other runs' events
        handle: async (e) => void seen.push(e as never),
      });
      try {
        const { rows } = await sql<{ event_id: string }>`select event_id from millrace.outbox where type = 'ledger.entries-posted'`.execute(h.db.kysely);
        ours = new Set(rows.map((r) => r.event_id));
        await waitFor('posted lines on the bus', () => seen.filter((e) => ours.has(e.id)).length >= ours.size);
      } finally {
        await sub.close();
      }
      const posted = seen.filter((e) => ours.has(e.id));
      assert.ok(posted.length > 20);
      const last = new Map<string, bigint>();
      for (const e of posted) {
        assert.equal(e.key, e.data.accountId);
        assert.equal(e.data.balance, e.data.lines.at(-1)!.balance);
        for (const l of e.data.lines) {
          assert.ok((last.get(e.key) ?? 0n) < BigInt(l.seq), `out of order for ${e.key}`);
          last.set(e.key, BigInt(l.seq));
        }
      }
      // every statement line of the database was published exactly once
      const { rows } = await sql<{ n: string }>`select count(*)::text as n from ledger.statement_lines`.execute(h.db.kysely);
      assert.equal(posted.reduce((s, e) => s + e.data.lines.length, 0), Number(rows[0]!.n));
    });

    it('fraud holds keep the books whole: chain verifies and replay is identical', async () => {
      assert.equal((await ledger.verify()).ok, true);
      assert.equal((await ledger.replay()).identical, true);
    });
  });
}
