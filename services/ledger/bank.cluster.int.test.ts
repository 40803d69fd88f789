// The bank test on the 3-node Kafka cluster (RF 3): the ledger process is killed -9 twice and, meanwhile, a broker
// too (restarted a round later). Commands never wait for Kafka (the database serializes them); afterwards every
// ledger event has been relayed. Starts the cluster itself when none runs, and stops what it started.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { Consumer } from '@platformatic/kafka';
import { openDatabase } from '@millrace/platform';
import { freshPostgres } from '@millrace/platform/testing';
import { bankSuite } from './bank.suite.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const KAFKA = path.join(ROOT, 'infra/kafka');
const CLUSTER = ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094'];
const LEDGER_GROUP = 'ledger.credential-changes';
const nodeRunning = (id: number) => run('bash', [path.join(KAFKA, 'node.sh'), 'status', String(id)], { cwd: ROOT }).then(() => true, () => false);
const script = (args: string[]) => run('bash', args, { cwd: ROOT, timeout: 180_000, maxBuffer: 10_000_000 });

let startedCluster = false;
before(async () => {
  const running = await Promise.all([1, 2, 3].map(nodeRunning));
  if (running.every(Boolean)) return;
  await script([path.join(KAFKA, 'start-cluster.sh'), ...(running.every((r) => !r) ? ['--fresh'] : [])]);
  startedCluster = true;
});
after(async () => {
  if (startedCluster) await script([path.join(KAFKA, 'stop-cluster.sh')]);
});

/** Not the coordinator of the ledger's consumer group: @platformatic/kafka 1.35 cannot move to a new coordinator (#290). */
async function victim(): Promise<number> {
  const probe = new Consumer({ clientId: 'bank-probe', groupId: LEDGER_GROUP, bootstrapBrokers: CLUSTER, retries: 10, retryDelay: 500 });
  try {
    const coordinator = await probe.findGroupCoordinator();
    return [3, 2, 1].find((n) => n !== coordinator)!;
  } finally {
    await new Promise<void>((resolve) => probe.close(true, () => resolve()));
  }
}

const pg = await freshPostgres('mr_ledger_bank_cluster');
after(() => pg.drop());
let broker: number | undefined;
bankSuite('PostgreSQL + 3-node Kafka, a broker killed too', async () => ({
  db: pg.url,
  open: () => openDatabase({ url: pg.url }),
  kafka: CLUSTER.join(','),
  kills: 2,
  relayDrains: true,
  async duringRound(round) {
    if (round === 0) {
      broker = await victim();
      await script([path.join(KAFKA, 'node.sh'), 'kill9', String(broker)]);
    } else if (round === 1 && broker !== undefined) {
      await script([path.join(KAFKA, 'node.sh'), 'start', String(broker)]);
    }
  },
}));
