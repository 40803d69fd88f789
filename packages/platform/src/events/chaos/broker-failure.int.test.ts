// Broker failure: on the 3-node cluster, a topic with replication factor 3; while 100,000 events are produced
// (acks=all) and consumed, the leader of partition 0 is killed with SIGKILL and later restarted.
// Every acknowledged event must be applied exactly once, none lost, in order per key.
// Two cases, decided by picking the consumer group's name: (a) the killed leader of partition 0 is not the group's
// coordinator (the broker holding the group's __consumer_offsets partition); (b) the killed broker is the coordinator
// and leads a partition of the topic.
//
// (a) exercises the kafka driver's consumer rebuild: @platformatic/kafka destroys its MessagesStream when a fetch to
// the dead leader exhausts its retries, and the subscription (drivers/kafka-subscription.ts) rebuilds consumer and
// stream from the committed offsets. The stall check names that cause if it ever comes back.
//
// Starts the cluster itself (infra/kafka/start-cluster.sh --fresh when no node runs) and stops it at the end.
// Sizes: MILLRACE_BROKER_FAILURE_EVENTS (default 100000) for (a), MILLRACE_BROKER_FAILURE_COORDINATOR_EVENTS
// (default 20000) for (b).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Admin, Consumer } from '@platformatic/kafka';
import { sql } from 'kysely';
import { destination, pino } from 'pino';
import { openDatabase, type Database } from '../../db/database.ts';
import { freshPostgres, uniqueName, waitFor } from '../../testing/index.ts';
import { EventRegistry } from '../contract.ts';
import { platformContract } from '../dead-letters.ts';
import { createKafkaDriver } from '../drivers/kafka-driver.ts';
import { uuidv7, type NewEvent } from '../envelope.ts';
import { countingHandler, effectsTable, testContract } from '../event-bus.contract.ts';
import type { EventBus, SubscriptionHandle } from '../event-bus.ts';
import { migratePlatform } from '../schema.ts';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const KAFKA_SCRIPTS = path.join(REPO_ROOT, 'infra/kafka');
const CLUSTER = ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094'];
const NODES = [1, 2, 3] as const; // node.id of each cluster node == its infra/kafka/node.sh name

const EVENTS = Number(process.env.MILLRACE_BROKER_FAILURE_EVENTS ?? 100_000);
const COORDINATOR_EVENTS = Number(process.env.MILLRACE_BROKER_FAILURE_COORDINATOR_EVENTS ?? 20_000);
const KEYS = 60;
const BATCH = 500;
/** The producer stays at most this far ahead of the consumer, so both are busy when the broker dies. */
const MAX_AHEAD = 10_000;
/** The node stays down while 20% more of the events are acknowledged, or at most this long. */
const DOWN_MAX_MS = 20_000;
/** The test fails if the consumer applies nothing for this long while events wait. */
const STALL_MS = 90_000;
const TABLE = 'bf_fx';

function say(msg: string) {
  console.log(`[broker-failure] ${msg}`);
}

async function script(args: string[], timeout = 180_000): Promise<string> {
  try {
    const { stdout, stderr } = await run('bash', args, { cwd: REPO_ROOT, timeout, maxBuffer: 10_000_000 });
    return `${stdout}${stderr}`.trim();
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`bash ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

async function nodeRunning(id: number): Promise<boolean> {
  return run('bash', [path.join(KAFKA_SCRIPTS, 'node.sh'), 'status', String(id)], { cwd: REPO_ROOT }).then(() => true, () => false);
}

async function partitionLeaders(admin: Admin, topic: string) {
  const md = await admin.metadata({ topics: [topic], forceUpdate: true });
  const t = md.topics.get(topic);
  if (!t) throw new Error(`no metadata for ${topic}`);
  return t.partitions.map((p) => ({ leader: p.leader, isr: [...p.isr].sort(), replicas: [...p.replicas].sort() }));
}

/** The node that coordinates `group` (holds its __consumer_offsets partition), asked without joining the group. */
async function groupCoordinator(group: string): Promise<number> {
  const probe = new Consumer({ clientId: 'bfail-probe', groupId: group, bootstrapBrokers: CLUSTER, retries: 10, retryDelay: 500 });
  try {
    return await probe.findGroupCoordinator();
  } finally {
    await new Promise<void>((resolve) => probe.close(true, () => resolve()));
  }
}

async function totals(db: Database, group: string) {
  const { rows } = await sql<Record<string, string>>`
    select (select count(*) from ${sql.table(TABLE)})::text as applied,
      (select count(*) from ${sql.table(TABLE)} where applied <> 1)::text as "appliedNotOnce",
      (select coalesce(sum(violations), 0) from ${sql.table(`${TABLE}_order`)})::text as "orderViolations",
      (select count(*) from millrace.inbox where group_name = ${group})::text as inbox,
      (select count(*) from millrace.dead_letters)::text as "deadLetters"`.execute(db.kysely);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

async function consumedCount(db: Database): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(TABLE)}`.execute(db.kysely);
  return Number(rows[0]!.n);
}

let closing = false;
let pendingRestart: Promise<void> | undefined;
/** The running scenario: a body orphaned by an uncaught exception (the test already failed) stops at its next check. */
let currentScenario = 0;
/** Databases of scenarios whose body may not reach its own cleanup (orphaned by an uncaught exception). */
const databases = new Set<{ drop(): Promise<void> }>();

async function scenario(options: { events: number; coordinator: 'elsewhere' | 'killed' }) {
  const EVENTS = options.events;
  const me = ++currentScenario;
  const KILL_AT = Math.floor(EVENTS * 0.3);
  const DOWN_EVENTS = Math.floor(EVENTS * 0.2);
  const pg = await freshPostgres('mr_bfail');
  databases.add(pg);
  const dir = mkdtempSync(path.join(tmpdir(), 'millrace-bfail-'));
  const logFile = path.join(dir, 'platform.log');
  const log = pino({ level: 'warn' }, destination({ dest: logFile, sync: true }));
  const db = await openDatabase({ url: pg.url, poolSize: 6 });
  const admin = new Admin({ clientId: 'bfail-admin', bootstrapBrokers: CLUSTER, retries: 10, retryDelay: 500 });
  const registry = new EventRegistry([platformContract, testContract]);
  const topic = uniqueName('bfail');
  let bus: EventBus | undefined;
  let sub: SubscriptionHandle | undefined;
  let killed: number | undefined;
  const t0 = Date.now();
  const platformLog = () => {
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    return `${lines.length} platform warnings/errors; last: ${lines.slice(-3).map((w) => w.slice(0, 400)).join(' | ')}`;
  };
  try {
    await migratePlatform(db);
    await effectsTable(db, TABLE);
    bus = createKafkaDriver({ db, registry, log, brokers: CLUSTER, clientId: 'bfail', relay: false, partitions: 3, replicationFactor: 3 });
    // the driver creates the topic (RF 3, 3 partitions) on first subscribe: a probe group does it
    await (await bus.subscribe({ group: uniqueName('bfail-probe'), topics: [topic], handle: async () => {} })).close();
    const layout = await partitionLeaders(admin, topic);
    say(`topic ${topic}: ${JSON.stringify(layout)}`);
    assert.equal(layout.length, 3, '3 partitions');
    assert.ok(layout.every((p) => p.replicas.length === 3), 'replication factor 3');
    // Choose the group by where its coordinator lives, and the victim: (a) the leader of partition 0, with the
    // coordinator elsewhere; (b) the coordinator, which leads a partition of the topic (partition 0 when it can:
    // after an earlier kill and restart, a node leads no __consumer_offsets partition until a preferred-leader election).
    let group = '';
    let coordinator = -1;
    let victimPartition = -1;
    for (let i = 0; i < 60 && victimPartition < 0; i++) {
      group = uniqueName('bfail-g');
      coordinator = await groupCoordinator(group);
      if (options.coordinator === 'elsewhere') victimPartition = coordinator !== layout[0]!.leader ? 0 : -1;
      else victimPartition = layout.findIndex((p) => p.leader === coordinator);
      if (options.coordinator === 'killed' && victimPartition > 0 && i < 30) victimPartition = -1; // prefer partition 0
    }
    assert.ok(victimPartition >= 0, `found a group whose coordinator is ${options.coordinator === 'killed' ? 'a partition leader' : 'not the leader of partition 0'}`);
    const victim = layout[victimPartition]!.leader;
    say(`group ${group}: coordinator node ${coordinator}; victim: node ${victim}, leader of partition ${victimPartition}`);
    sub = await bus.subscribe({ group, topics: [topic], handle: countingHandler(TABLE) });

    // The events: keys k0..k{KEYS-1} round-robin, n = 1, 2, 3 ... per key; ids fixed so a retried batch is the same events.
    const events: NewEvent[] = Array.from({ length: EVENTS }, (_, i) => ({
      id: uuidv7(),
      type: 'test.counted',
      topic,
      key: `k${i % KEYS}`,
      data: { n: Math.floor(i / KEYS) + 1 },
    }));

    let lastConsumed = -1;
    let lastProgressAt = Date.now();
    const consumedNow = async () => {
      const c = await consumedCount(db);
      if (c !== lastConsumed) {
        lastConsumed = c;
        lastProgressAt = Date.now();
      }
      return c;
    };
    const restartNode = (node: number) => {
      checkAlive(-1); // never start a node once the cluster is being stopped
      pendingRestart = script([path.join(KAFKA_SCRIPTS, 'node.sh'), 'start', String(node)]).then((out) => say(`node ${node} back: ${out.split('\n').at(-1)}`));
    };
    const checkAlive = (acked: number) => {
      if (closing || me !== currentScenario) throw new Error('test is being torn down');
      if (Date.now() - lastProgressAt > STALL_MS) {
        const streamDied = readFileSync(logFile, 'utf8').includes('kafka consumer stream error')
          ? ' The consumer stream failed ("kafka consumer stream error"): @platformatic/kafka destroys a MessagesStream on a'
            + ' fetch error and the kafka driver does not open a new one, so the subscription stops for good.'
          : '';
        throw new Error(`consumer stalled: ${lastConsumed} applied, ${acked} acknowledged, nothing applied for ${STALL_MS} ms (victim node ${killed} ${pendingRestart ? 'restarted' : 'still down'}).${streamDied} ${platformLog()}`);
      }
    };

    let acked = 0;
    let failedSends = 0;
    let killedAt = 0;
    let ackedAtKill = 0;
    let newLeader: number | undefined;
    const sendErrors = new Map<string, number>();
    // the killed node comes back once 20% more events are acknowledged, or after DOWN_MAX_MS whatever happens
    const maybeRestart = async () => {
      if (killed === undefined || pendingRestart || (acked < ackedAtKill + DOWN_EVENTS && Date.now() - killedAt <= DOWN_MAX_MS)) return;
      const layoutDown = await partitionLeaders(admin, topic);
      newLeader = layoutDown[victimPartition]!.leader;
      say(`${acked} acked, ${await consumedNow()} consumed after ${Date.now() - killedAt} ms down; layout ${JSON.stringify(layoutDown)}; restarting node ${killed}`);
      restartNode(killed);
    };
    while (acked < EVENTS) {
      // keep both sides busy: wait for the consumer when far ahead
      while (acked - (await consumedNow()) > MAX_AHEAD) {
        checkAlive(acked);
        await maybeRestart();
        await new Promise((r) => setTimeout(r, 100));
      }
      checkAlive(acked);
      const batch = events.slice(acked, acked + BATCH);
      try {
        await bus.produce(batch, { source: 'bfail' });
        acked += batch.length;
      } catch (err) {
        // not acknowledged: send the same events again (same ids: copies that did land are dropped by the inbox)
        failedSends++;
        const m = (err as Error).message;
        sendErrors.set(m, (sendErrors.get(m) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (killed === undefined && acked >= KILL_AT) {
        killed = (await partitionLeaders(admin, topic))[victimPartition]!.leader;
        assert.equal(killed, victim, `partition ${victimPartition} kept its leader until the kill`);
        ackedAtKill = acked;
        killedAt = Date.now();
        say(`${acked} acked, ${await consumedNow()} consumed: kill -9 node ${killed} (leader of partition ${victimPartition}${killed === coordinator ? ', group coordinator' : ''})`);
        say(await script([path.join(KAFKA_SCRIPTS, 'node.sh'), 'kill9', String(killed)]));
      }
      await maybeRestart();
    }
    say(`all ${EVENTS} acknowledged after ${((Date.now() - t0) / 1000).toFixed(1)} s; ${failedSends} failed sends ${JSON.stringify([...sendErrors])}`);
    assert.ok(killed !== undefined, 'the leader was killed');
    if (!pendingRestart) {
      say(`restarting node ${killed}`);
      restartNode(killed);
    }
    await pendingRestart;
    pendingRestart = undefined;

    while ((await consumedNow()) < EVENTS) {
      checkAlive(acked);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000)); // a late duplicate would show as applied > 1
    const fx = await totals(db, group);
    const { rows: perKey } = await sql<{ key: string; n: number; max: number }>`
      select key, count(distinct n)::int as n, max(n)::int as max from ${sql.table(TABLE)} group by key order by key`.execute(db.kysely);
    const layoutEnd = await partitionLeaders(admin, topic);
    say(`all applied after ${((Date.now() - t0) / 1000).toFixed(1)} s; totals ${JSON.stringify(fx)}; layout at end ${JSON.stringify(layoutEnd)}`);
    say(platformLog());

    assert.notEqual(newLeader, killed, `partition ${victimPartition} moved to another leader while its leader was down`);
    assert.deepEqual(fx, { applied: EVENTS, appliedNotOnce: 0, orderViolations: 0, inbox: EVENTS, deadLetters: 0 });
    const perKeyExpected = Array.from({ length: KEYS }, (_, k) => `k${k}`)
      .sort()
      .map((key) => {
        const count = Math.floor(EVENTS / KEYS) + (Number(key.slice(1)) < EVENTS % KEYS ? 1 : 0);
        return { key, n: count, max: count };
      });
    assert.deepEqual(perKey, perKeyExpected, 'every key has exactly n = 1..last');
  } finally {
    await sub?.close().catch(() => {});
    await bus?.close().catch(() => {});
    await admin.close().catch(() => {});
    await db.close();
    await pg.drop();
    databases.delete(pg);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('kafka broker failure (3-node cluster, RF=3)', () => {
  let startedCluster = false;

  before(async () => {
    const running = await Promise.all(NODES.map(nodeRunning));
    const t0 = Date.now();
    if (running.every((r) => !r)) {
      say('starting the 3-node cluster (fresh)');
      await script([path.join(KAFKA_SCRIPTS, 'start-cluster.sh'), '--fresh']);
    } else {
      say(`cluster nodes running: ${JSON.stringify(running)}; starting any missing node`);
      await script([path.join(KAFKA_SCRIPTS, 'start-cluster.sh')]);
    }
    say(`cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    startedCluster = true;
  });

  after(async () => {
    closing = true;
    await pendingRestart?.catch(() => {});
    if (startedCluster) say(await script([path.join(KAFKA_SCRIPTS, 'stop-cluster.sh')], 120_000));
    for (const pg of databases) await pg.drop().catch(() => {});
  });

  test(`${EVENTS} events survive kill -9 of the leader of partition 0 (group coordinator on another node) and its restart`, { timeout: 360_000 }, async () => {
    await scenario({ events: EVENTS, coordinator: 'elsewhere' });
  });

  // KNOWN BUG in @platformatic/kafka 1.35.0 (https://github.com/platformatic/kafka/issues/290, fixed in 2.x, which needs
  // Node >= 22.22): the consumer caches the group coordinator's node id forever. Once that broker is gone from the
  // metadata, the next group operation throws `TypeError: Cannot read properties of undefined (reading 'host')` from
  // connection-pool.js, uncaught (it kills the process); with that guarded, commits and heartbeats still go to the
  // dead or no-longer coordinator forever and the consumer stalls. Runs as `todo` (reported, not failing the run)
  // until the client is fixed; drop `todo` then.
  test(`${COORDINATOR_EVENTS} events survive kill -9 of the group coordinator (also a partition leader) and its restart`, {
    timeout: 240_000,
    todo: process.env.MILLRACE_STRICT_COORDINATOR_FAILOVER ? false : 'platformatic/kafka#290: consumer never re-finds a dead group coordinator',
  }, async () => {
    await scenario({ events: COORDINATOR_EVENTS, coordinator: 'killed' });
  });
});
