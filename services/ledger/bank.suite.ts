// Jepsen's bank test: random concurrent transfers among 20 accounts while the ledger process is killed -9 several times.
// At every read the balances sum to the total and none is negative; afterwards every acknowledged transfer is in the
// journal exactly once (and nothing else is), debits equal credits, the chain verifies and replay matches.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { migratePlatform, sql, type Database } from '@millrace/platform';
import { startLedgerProcess, type LedgerProcess } from './ledger-process.ts';
import { replayProjections, verifyChain } from './replay.ts';

const ACCOUNTS = 20;
const INITIAL = 1_000n;
const TOTAL = INITIAL * BigInt(ACCOUNTS);
const CLIENTS = 6;
const AUTH = { authorization: 'Test bank-tester:admin', 'content-type': 'application/json' };

export interface BankOptions {
  /** What the ledger process opens: postgres://... or pglite:<dir>. */
  readonly db: string;
  /** Opens the same database in this process for the final accounting (after the ledger process stopped, for PGlite). */
  readonly open: () => Promise<Database>;
  readonly kafka?: string;
  readonly kills: number;
  /** Extra faults: called at each kill round (before the ledger process is killed), e.g. kill -9 a Kafka broker. */
  readonly duringRound?: (round: number) => Promise<void>;
  /** Before the last stop, wait until the outbox relay has sent every event to Kafka (none stuck after the faults). */
  readonly relayDrains?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function bankSuite(name: string, options: () => Promise<BankOptions>): void {
  describe(`bank test with kill -9 (${name})`, () => {
    let life: LedgerProcess | undefined;
    after(async () => void (await life?.kill()));

    it('conserves money and acknowledged transfers across SIGKILLs', async (t) => {
      const o = await options();
      const start = () => startLedgerProcess({ db: o.db, ...(o.kafka ? { kafka: o.kafka } : {}) });
      life = await start();
      let base = life.baseUrl;
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${base}${path}`, { method, headers: AUTH, ...(body ? { body: JSON.stringify(body) } : {}) });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };

      // 20 funded accounts
      const ids: string[] = [];
      const funding: string[] = [];
      const cashIn = (await call('GET', '/api/ledger/system-accounts/cash-in/USD')).json.id as string;
      for (let i = 0; i < ACCOUNTS; i++) {
        const a = await call('POST', '/api/ledger/accounts', { ownerId: `bank-${i}`, currency: 'USD' });
        ids.push(a.json.id as string);
        const f = await call('POST', '/api/ledger/transfers', { id: `fund-${i}`, kind: 'deposit', debitAccountId: cashIn, creditAccountId: a.json.id, amount: INITIAL.toString() });
        assert.equal(f.json.status, 'posted');
        funding.push(`fund-${i}`);
      }

      const acked = new Map<string, string>(); // transfer id -> status the ledger acknowledged
      const violations: string[] = [];
      let reads = 0;
      let stopping = false;

      // clients: each transfer is retried with its id until acknowledged, across crashes and restarts
      const client = async (c: number) => {
        for (let i = 0; !stopping; i++) {
          const from = Math.floor(Math.random() * ACCOUNTS);
          const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
          const body = { id: `bank-${c}-${i}`, kind: 'transfer', debitAccountId: ids[from], creditAccountId: ids[to], amount: String(1 + Math.floor(Math.random() * 300)) };
          for (;;) {
            try {
              const r = await call('POST', '/api/ledger/transfers', body);
              if (r.status === 200 || r.status === 201) {
                acked.set(body.id, r.json.status as string);
                break;
              }
              if (r.status !== 503) throw new Error(`transfer answered ${r.status}: ${JSON.stringify(r.json)}`);
            } catch (err) {
              if (err instanceof Error && err.message.startsWith('transfer answered')) throw err;
            }
            await sleep(20); // the process is down or restarting: same id again
          }
        }
      };
      // a reader: one snapshot of the 20 balances at a time
      const reader = async () => {
        while (!stopping) {
          try {
            const r = await call('GET', `/api/ledger/balances?ids=${ids.join(',')}`);
            const items = r.json.items as Array<{ balance: string; pendingDebits: string }>;
            const sum = items.reduce((s, a) => s + BigInt(a.balance), 0n);
            if (items.length !== ACCOUNTS) violations.push(`read ${items.length} accounts`);
            if (sum !== TOTAL) violations.push(`sum ${sum} != ${TOTAL}`);
            for (const a of items) if (BigInt(a.balance) - BigInt(a.pendingDebits) < 0n) violations.push(`negative ${a.balance}`);
            reads++;
          } catch {
            // down: nothing to read
          }
          await sleep(25);
        }
      };
      const workers = [...Array.from({ length: CLIENTS }, (_, c) => client(c)), reader()];

      const kills: Array<{ acked: number; delayMs: number }> = [];
      for (let k = 0; k < o.kills; k++) {
        const mark = acked.size;
        while (acked.size < mark + 60) await sleep(20);
        await o.duringRound?.(k);
        const delayMs = 50 + Math.floor(Math.random() * 400);
        await sleep(delayMs);
        await life.kill();
        kills.push({ acked: acked.size, delayMs });
        life = await start();
        base = life.baseUrl;
      }
      const mark = acked.size;
      while (acked.size < mark + 60) await sleep(20);
      stopping = true;
      await Promise.all(workers);
      if (o.relayDrains) {
        const probe = await o.open();
        try {
          const deadline = Date.now() + 90_000;
          for (;;) {
            const { rows } = await sql<{ n: string }>`
              select count(*)::text as n from millrace.outbox o
              where (o.txid, o.id) > coalesce((select (c.txid, c.id) from millrace.cursors c where c.name = 'relay:kafka'), ('0'::xid8, 0::bigint))`.execute(probe.kysely);
            if (rows[0]!.n === '0') break;
            if (Date.now() > deadline) assert.fail(`${rows[0]!.n} ledger events still not relayed to Kafka 90 s after the faults`);
            await sleep(250);
          }
        } finally {
          await probe.close();
        }
      }
      await life.stop();
      life = undefined;

      assert.deepEqual(violations, [], `violations at reads: ${violations.slice(0, 5).join('; ')}`);
      assert.ok(reads > 10, `only ${reads} reads`);
      assert.equal(kills.length, o.kills);

      const db = await o.open();
      try {
        await migratePlatform(db);
        const { rows: bal } = await sql<{ s: string; neg: string }>`
          select sum(balance)::text as s, count(*) filter (where balance - pending_debits < 0)::text as neg from ledger.accounts where id = any(${ids}::text[])`.execute(db.kysely);
        assert.equal(bal[0]!.s, TOTAL.toString());
        assert.equal(bal[0]!.neg, '0');
        const { rows: journal } = await sql<{ transfer_id: string; n: string }>`select transfer_id, count(*)::text as n from ledger.journal group by transfer_id`.execute(db.kysely);
        const inJournal = new Map(journal.map((r) => [r.transfer_id, Number(r.n)]));
        const posted = [...acked].filter(([, s]) => s === 'posted').map(([id]) => id);
        const twice = posted.filter((id) => inJournal.get(id) !== 1);
        assert.deepEqual(twice, [], 'every acknowledged posted transfer appears exactly once');
        const rejectedInJournal = [...acked].filter(([id, s]) => s !== 'posted' && inJournal.has(id));
        assert.deepEqual(rejectedInJournal, []);
        const expected = new Set([...posted, ...funding]);
        assert.deepEqual([...inJournal.keys()].filter((id) => !expected.has(id)), [], 'nothing unacknowledged in the journal');
        const { rows: dc } = await sql<{ total: string; unbalanced: string }>`
          select (select coalesce(sum(amount), 0) from ledger.statement_lines)::text as total,
                 (select count(*) from (select transfer_id from ledger.statement_lines group by transfer_id having sum(amount) <> 0) x)::text as unbalanced`.execute(db.kysely);
        assert.deepEqual(dc[0], { total: '0', unbalanced: '0' }, 'debits equal credits');
        assert.equal((await verifyChain(db)).ok, true);
        assert.equal((await replayProjections(db)).identical, true);
      } finally {
        await db.close();
      }
      t.diagnostic(`${acked.size} acknowledged transfers, ${reads} consistent reads, kills ${JSON.stringify(kills)}`);
    });
  });
}

