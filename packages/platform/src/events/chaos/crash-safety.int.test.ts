// Crash safety: a process that produces through the outbox and consumes its own events is killed with SIGKILL at
// random moments, restarted each time, then left to finish. Every event must be produced once, applied once, in order.
//
// Sizes: MILLRACE_CHAOS_EVENTS (default 20000) for kafka on PostgreSQL; MILLRACE_CHAOS_PGLITE_EVENTS (default 10000)
// for the log driver on PGlite (20000 takes 40 s on an idle 2-core box but 90 s under load); MILLRACE_CHAOS_KILLS (default 5).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { freshPostgres, testKafkaBrokers, uniqueName } from '../../testing/index.ts';
import { chaosTotals, openChaosDatabase, type ChaosTotals } from './common.ts';
import { runChaos, type ChaosRunResult } from './harness.ts';

const KAFKA_EVENTS = Number(process.env.MILLRACE_CHAOS_EVENTS ?? 20_000);
const PGLITE_EVENTS = Number(process.env.MILLRACE_CHAOS_PGLITE_EVENTS ?? 10_000);
const KILLS = Number(process.env.MILLRACE_CHAOS_KILLS ?? 5);
function expected(target: number): ChaosTotals {
  return { produced: target, applied: target, appliedNotOnce: 0, orderViolations: 0, missing: 0, unexpected: 0, inbox: target, deadLetters: 0 };
}

function report(name: string, run: ChaosRunResult, totals: ChaosTotals) {
  console.log(`[chaos] ${name}: ${run.kills.length} kills, ${run.lives} lives, ${(run.durationMs / 1000).toFixed(1)} s; totals ${JSON.stringify(totals)}`);
  for (const k of run.kills) console.log(`[chaos]   kill in life ${k.life} after ${k.trigger} + ${k.delayMs} ms at produced=${k.produced} consumed=${k.consumed}`);
}

async function assertKafkaReachable(brokers: string[]): Promise<void> {
  const admin = new Admin({ clientId: 'chaos-probe', bootstrapBrokers: brokers, retries: 2, retryDelay: 300, timeout: 3_000 });
  try {
    await admin.metadata({ topics: [] });
  } catch (err) {
    throw new Error(
      `Kafka is not reachable at ${brokers.join(',')} (MILLRACE_TEST_KAFKA_BROKERS): start it with \`bash infra/kafka/start-single.sh\`. Cause: ${(err as Error).message}`,
    );
  } finally {
    await admin.close().catch(() => {});
  }
}

describe('crash safety under kill -9', () => {
  test(`log driver on PGlite (on disk): ${PGLITE_EVENTS} events, ${KILLS} kills`, { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'millrace-chaos-'));
    const dbSpec = `pglite:${path.join(dir, 'pglite')}`;
    const group = uniqueName('chaos-g');
    try {
      const run = await runChaos({
        kills: KILLS,
        env: {
          CHAOS_DB: dbSpec,
          CHAOS_DRIVER: 'log',
          CHAOS_TOPIC: uniqueName('chaos'),
          CHAOS_GROUP: group,
          CHAOS_TARGET: String(PGLITE_EVENTS),
          CHAOS_LOG_FILE: path.join(dir, 'worker.log'),
        },
      });
      // only one process may open a PGlite directory: the last life has exited when runChaos returns
      const db = await openChaosDatabase(dbSpec);
      try {
        const totals = await chaosTotals(db, group);
        report('log/PGlite', run, totals);
        assert.equal(run.kills.length, KILLS);
        assert.deepEqual(totals, expected(PGLITE_EVENTS));
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`kafka driver on PostgreSQL: ${KAFKA_EVENTS} events, ${KILLS} kills`, { timeout: 240_000 }, async () => {
    const brokers = testKafkaBrokers();
    await assertKafkaReachable(brokers);
    const pg = await freshPostgres('mr_chaos');
    const dir = mkdtempSync(path.join(tmpdir(), 'millrace-chaos-'));
    const group = uniqueName('chaos-g');
    try {
      const run = await runChaos({
        kills: KILLS,
        env: {
          CHAOS_DB: pg.url,
          CHAOS_DRIVER: 'kafka',
          CHAOS_BROKERS: brokers.join(','),
          CHAOS_TOPIC: uniqueName('chaos'),
          CHAOS_GROUP: group,
          CHAOS_TARGET: String(KAFKA_EVENTS),
          CHAOS_LOG_FILE: path.join(dir, 'worker.log'),
        },
      });
      const db = await openChaosDatabase(pg.url);
      try {
        const totals = await chaosTotals(db, group);
        report('kafka/PostgreSQL', run, totals);
        assert.equal(run.kills.length, KILLS);
        assert.deepEqual(totals, expected(KAFKA_EVENTS));
      } finally {
        await db.close();
      }
    } finally {
      await pg.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
