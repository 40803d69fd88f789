// `npm run bench -- ledger [--seconds 10] [--concurrency 2000]`: transfers/s and request->posted latency of the ledger on PostgreSQL,
// with 1,000 accounts and with 10 hot accounts, fraud rules on; beside a naive baseline (one transaction per transfer,
// SELECT ... FOR UPDATE on both rows, two UPDATEs), on the same machine in the same run. Invariants are read during and after each run.
import { loadavg } from 'node:os';
import pg from 'pg';
import { migratePlatform, openDatabase, sql, type Database } from '@millrace/platform';
import { freshPostgres } from '@millrace/platform/testing';
import { createLedger, verifyChain, replayProjections } from '@millrace/ledger';
import { machine, maxOf, percentile, progress, round, table, writeResult } from './lib/stats.ts';

const arg = (args: string[], name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

const FUNDS = 1_000_000_000n;
const WARMUP_MS = 1_500;

interface RunResult {
  impl: 'millrace' | 'naive';
  /** closed loop at saturation, or open loop at a fixed rate */
  load: 'saturated' | 'paced';
  accounts: number;
  fraud: boolean;
  transfersPerSecond: number;
  completed: number;
  rejected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  concurrency: number;
  violationsDuringRun: number;
  reads: number;
  checks: Record<string, boolean | number | string>;
  fraudEvalMicros?: { p50: number; p99: number; max: number; samples: number };
}

const pick = (n: number) => Math.floor(Math.random() * n);

/** Closed loop: `concurrency` workers, each sending its next transfer when the previous one is answered. */
async function load(seconds: number, concurrency: number, send: (worker: number, i: number) => Promise<'posted' | 'rejected'>) {
  const latencies: number[] = [];
  let completed = 0;
  let rejected = 0;
  const started = performance.now();
  const measureFrom = started + WARMUP_MS;
  const end = measureFrom + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now();
      const r = await send(w, i);
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        latencies.push(t1 - t0);
        completed++;
        if (r === 'rejected') rejected++;
      }
    }
  }));
  return { completed, rejected, latencies, tps: completed / seconds };
}

/** Open loop: `rate` transfers/s started on a 10 ms tick whatever the answers, so latency is not hidden by back-pressure. */
async function paced(seconds: number, rate: number, send: (worker: number, i: number) => Promise<'posted' | 'rejected'>) {
  const latencies: number[] = [];
  let rejected = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (performance.now() < started + (seconds * 1000)) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const t0 = performance.now();
      inflight.push(send(0, sent).then((r) => {
        latencies.push(performance.now() - t0);
        if (r === 'rejected') rejected++;
      }));
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inflight);
  return { completed: latencies.length, rejected, latencies, tps: latencies.length / seconds };
}

/** Reads conservation every 200 ms while the load runs. */
function watch(check: () => Promise<boolean>) {
  let stop = false;
  let reads = 0;
  let violations = 0;
  const done = (async () => {
    while (!stop) {
      if (!(await check())) violations++;
      reads++;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { async end() { stop = true; await done; return { reads, violations }; } };
}

async function millrace(url: string, accounts: number, seconds: number, concurrency: number, fraud: boolean, pacedRate?: number): Promise<RunResult> {
  const db = await openDatabase({ url, poolSize: 8 });
  await migratePlatform(db);
  const evals: number[] = [];
  const svc = await createLedger({ db, fraud, sweepMs: 0, maxBatch: 2000, onFraudEval: (us) => void evals.push(us) });
  const { ledger } = svc;
  // rules are data: with random payees among 1,000 accounts nearly every transfer has a new counterparty, so that rule's
  // window is narrowed to 1 s (31 new payees per second still hold); all four rules still run on every transfer
  if (fraud) await ledger.changeRule('new-counterparties', { params: { maxNew: 31, windowSeconds: 1 } }, 'bench');
  const cashIn = await ledger.systemAccount('cash-in', 'USD');
  const ids: string[] = [];
  for (let i = 0; i < accounts; i++) ids.push((await ledger.openAccount({ ownerId: `bench-${i}`, currency: 'USD' })).id);
  await Promise.all(ids.map((id, i) => ledger.transfer({ id: `fund-${i}`, kind: 'deposit', debitAccountId: cashIn.id, creditAccountId: id, amount: FUNDS })));
  evals.length = 0;
  const watcher = watch(async () => {
    const { rows } = await sql<{ s: string; neg: string }>`select sum(balance)::text as s, count(*) filter (where kind = 'user' and balance - pending_debits < 0)::text as neg from ledger.accounts`.execute(db.kysely);
    return rows[0]!.s === '0' && rows[0]!.neg === '0';
  });
  let posted = 0;
  const r = await (pacedRate ? (f: Parameters<typeof load>[2]) => paced(seconds, pacedRate, f) : (f: Parameters<typeof load>[2]) => load(seconds, concurrency, f))(async (w, i) => {
    const from = pick(accounts);
    const to = (from + 1 + pick(accounts - 1)) % accounts;
    const res = await ledger.transfer({ id: `b-${w}-${i}`, kind: 'transfer', debitAccountId: ids[from]!, creditAccountId: ids[to]!, amount: BigInt(1 + pick(100)) });
    if (res.status === 'posted') posted++;
    return res.status === 'posted' ? 'posted' : 'rejected';
  });
  const during = await watcher.end();
  await ledger.drained();
  progress(`  millrace ${accounts} accounts: ${Math.round(r.tps)}/s; checking invariants`);
  const { rows } = await sql<{ s: string; neg: string; journal: string; held: string }>`
    select (select sum(balance) from ledger.accounts)::text as s,
           (select count(*) from ledger.accounts where kind = 'user' and balance - pending_debits < 0)::text as neg,
           (select count(*) from ledger.journal where transfer_id like 'b-%' and entry = 'posted')::text as journal,
           (select count(*) from ledger.transfers where status = 'held')::text as held`.execute(db.kysely);
  const chain = await verifyChain(db);
  const replay = await replayProjections(db);
  await svc.close();
  await db.close();
  return {
    impl: 'millrace', load: pacedRate ? 'paced' : 'saturated', accounts, fraud, concurrency: pacedRate ? 0 : concurrency, transfersPerSecond: Math.round(r.tps), completed: r.completed, rejected: r.rejected,
    p50Ms: round(percentile(r.latencies, 50), 1), p99Ms: round(percentile(r.latencies, 99), 1), maxMs: round(maxOf(r.latencies), 1),
    violationsDuringRun: during.violations, reads: during.reads,
    checks: {
      balancesSumToZero: rows[0]!.s === '0', negativeUserBalances: Number(rows[0]!.neg), postedAcknowledged: posted,
      postedInJournal: Number(rows[0]!.journal), heldForReview: Number(rows[0]!.held), chainVerified: chain.ok, journalEntries: chain.entries, replayIdentical: replay.identical,
    },
    ...(fraud ? { fraudEvalMicros: { p50: percentile(evals, 50), p99: percentile(evals, 99), max: maxOf(evals), samples: evals.length } } : {}),
  };
}

async function naive(url: string, accounts: number, seconds: number, concurrency: number, poolSize: number): Promise<RunResult> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  await pool.query(`create schema naive;
    create table naive.accounts (id text primary key, balance bigint not null check (balance >= 0));
    create table naive.transfers (id text primary key, debit text not null, credit text not null, amount bigint not null check (amount > 0), created_at timestamptz not null default now())`);
  await pool.query(`insert into naive.accounts select 'a' || i, $1 from generate_series(0, $2 - 1) i`, [FUNDS.toString(), accounts]);
  const total = FUNDS * BigInt(accounts);
  const watcher = watch(async () => {
    const { rows } = await pool.query<{ s: string; neg: string }>(`select sum(balance)::text as s, count(*) filter (where balance < 0)::text as neg from naive.accounts`);
    return rows[0]!.s === total.toString() && rows[0]!.neg === '0';
  });
  let posted = 0;
  const r = await load(seconds, concurrency, async (w, i) => {
    const from = `a${pick(accounts)}`;
    const toN = pick(accounts - 1);
    const to = `a${toN >= Number(from.slice(1)) ? toN + 1 : toN}`;
    const amount = 1 + pick(100);
    const c = await pool.connect();
    try {
      await c.query('begin');
      const ins = await c.query(`insert into naive.transfers (id, debit, credit, amount) values ($1, $2, $3, $4) on conflict do nothing returning id`, [`b-${w}-${i}`, from, to, amount]);
      if (ins.rowCount === 0) {
        await c.query('rollback');
        return 'rejected';
      }
      const { rows } = await c.query<{ id: string; balance: string }>(`select id, balance from naive.accounts where id = any($1) order by id for update`, [[from, to]]);
      if (BigInt(rows.find((x) => x.id === from)!.balance) < BigInt(amount)) {
        await c.query('rollback');
        return 'rejected';
      }
      await c.query(`update naive.accounts set balance = balance - $2 where id = $1`, [from, amount]);
      await c.query(`update naive.accounts set balance = balance + $2 where id = $1`, [to, amount]);
      await c.query('commit');
      posted++;
      return 'posted';
    } catch (err) {
      await c.query('rollback').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  });
  const during = await watcher.end();
  const { rows } = await pool.query<{ s: string; neg: string; n: string }>(`select (select sum(balance) from naive.accounts)::text as s,
    (select count(*) from naive.accounts where balance < 0)::text as neg, (select count(*) from naive.transfers)::text as n`);
  await pool.end();
  return {
    impl: 'naive', load: 'saturated', accounts, fraud: false, concurrency, transfersPerSecond: Math.round(r.tps), completed: r.completed, rejected: r.rejected,
    p50Ms: round(percentile(r.latencies, 50), 1), p99Ms: round(percentile(r.latencies, 99), 1), maxMs: round(maxOf(r.latencies), 1),
    violationsDuringRun: during.violations, reads: during.reads,
    checks: { balancesSumToTotal: rows[0]!.s === total.toString(), negativeBalances: Number(rows[0]!.neg), postedAcknowledged: posted, transferRows: Number(rows[0]!.n) },
  };
}

export async function run(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 10);
  const concurrency = arg(args, 'concurrency', 2000);
  const naiveConcurrency = arg(args, 'naive-concurrency', 64);
  const naivePool = arg(args, 'naive-pool', 20);
  const only = args.includes('--naive-only');
  const results: RunResult[] = [];
  const fresh = async <T>(f: (url: string) => Promise<T>) => {
    const db = await freshPostgres('mr_bench_ledger');
    try {
      return await f(db.url);
    } finally {
      await db.drop();
    }
  };
  if (only) {
    for (const accounts of [1000, 10]) {
      const r = await fresh((url) => naive(url, accounts, seconds, naiveConcurrency, naivePool));
      progress(`naive ${accounts} accounts, pool ${naivePool}, ${naiveConcurrency} concurrent: ${r.transfersPerSecond}/s p50 ${r.p50Ms} p99 ${r.p99Ms}`);
    }
    return;
  }
  for (const accounts of [1000, 10]) {
    progress(`millrace ledger, ${accounts} accounts, fraud rules on, ${concurrency} concurrent requests, ${seconds} s`);
    results.push(await fresh((url) => millrace(url, accounts, seconds, concurrency, true)));
    progress(`naive row-locking baseline, ${accounts} accounts, ${naiveConcurrency} concurrent requests, ${seconds} s`);
    results.push(await fresh((url) => naive(url, accounts, seconds, naiveConcurrency, naivePool)));
  }
  progress(`millrace ledger, 1000 accounts, fraud rules off`);
  results.push(await fresh((url) => millrace(url, 1000, seconds, concurrency, false)));
  const get = (impl: string, accounts: number, fraud = impl === 'millrace') => results.find((r) => r.impl === impl && r.accounts === accounts && r.fraud === fraud && r.load === 'saturated')!;
  for (const accounts of [1000, 10]) {
    const rate = Math.round(get('millrace', accounts).transfersPerSecond / 2);
    progress(`millrace ledger, ${accounts} accounts, fraud rules on, paced at ${rate}/s (half the saturated rate) for latency`);
    results.push(await fresh((url) => millrace(url, accounts, seconds, concurrency, true, rate)));
  }

  const ratio = (a: number) => round(get('millrace', a).transfersPerSecond / get('naive', a).transfersPerSecond, 1);
  const violations = results.reduce((s, r) => s + r.violationsDuringRun + (Number(r.checks.negativeUserBalances ?? r.checks.negativeBalances) || 0)
    + (r.checks.balancesSumToZero === false || r.checks.balancesSumToTotal === false || r.checks.chainVerified === false || r.checks.replayIdentical === false ? 1 : 0)
    + (r.impl === 'millrace' && r.checks.postedAcknowledged !== r.checks.postedInJournal ? 1 : 0), 0);
  const json = {
    date: new Date().toISOString(), machine: machine(), loadavgAtEnd: loadavg().map((x) => round(x, 2)), seconds, concurrency, naiveConcurrency,
    summary: {
      transfersPerSecond1000Accounts: get('millrace', 1000).transfersPerSecond, transfersPerSecond10HotAccounts: get('millrace', 10).transfersPerSecond,
      naive1000Accounts: get('naive', 1000).transfersPerSecond, naive10HotAccounts: get('naive', 10).transfersPerSecond,
      ratio1000: ratio(1000), ratio10: ratio(10), invariantViolations: violations,
      fraudEvalMicrosP99: get('millrace', 1000).fraudEvalMicros?.p99 ?? null,
    },
    runs: results,
  };
  const rows = results.map((r) => [
    r.impl === 'millrace' ? `Millrace ledger${r.fraud ? ' (fraud rules on)' : ' (fraud rules off)'}` : 'naive row-locking UPDATEs', r.accounts,
    r.load === 'paced' ? `paced ${r.transfersPerSecond}` : r.transfersPerSecond, `${r.p50Ms} / ${r.p99Ms}`,
    r.violationsDuringRun, r.reads, r.fraudEvalMicros ? `${r.fraudEvalMicros.p50} / ${r.fraudEvalMicros.p99}` : '',
  ]);
  const md = `# Ledger benchmark (${json.date.slice(0, 10)}, ${json.machine.cpus} cores, ${json.machine.node})

${table(['implementation', 'accounts', 'transfers/s', 'request -> posted p50 / p99 (ms)', 'violations during run', 'reads', 'fraud eval p50 / p99 (µs)'], rows)}

Ratio Millrace / naive: ${ratio(1000)}x with 1,000 accounts, ${ratio(10)}x with 10 hot accounts. Invariant violations: ${violations}.

Command: \`npm run bench -- ledger --seconds ${seconds} --concurrency ${concurrency}\`. PostgreSQL on the same machine, a fresh database per run;
the load generator runs in the ledger's process (calls \`ledger.transfer\`, no HTTP). Saturated rows: closed loop, ${WARMUP_MS} ms
warm-up excluded (every worker waits on the same batch, so throughput moves in steps of one batch). Paced rows: open loop at half the
saturated rate, for latency not hidden by back-pressure.
Millrace: every transfer is decided in memory and written in batches (one transaction per batch under the chain-head lock:
transfers, hash-chained journal, statement lines, account rows with version check, risk profiles, outbox events). Naive: one
transaction per transfer on a pool of 20 connections (${naiveConcurrency} concurrent requests): insert the transfer row, SELECT both
accounts FOR UPDATE, check, two UPDATEs, COMMIT; no journal, no events. Latency = time from the call to the posted (committed) answer.
Checks after each run: balances sum to zero (to the total for naive), no negative user balance, acknowledged posted transfers = posted
journal rows, hash chain verifies, replay identical. During the run a reader checks conservation every 200 ms.
The machine is shared (load average at the end: ${json.loadavgAtEnd.join(', ')}).
`;
  writeResult('ledger', json, md);
}
