// `npm test`: static checks, then every test file, with Apache Kafka started (and stopped) when not already running.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { portOpen } from '@millrace/platform/testing';

const root = new URL('..', import.meta.url).pathname;
const started = Date.now();
const step = (msg: string) => process.stdout.write(`\n▶ ${msg} (${Math.round((Date.now() - started) / 1000)} s)\n`);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status ?? 1;
}

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'data') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (/\.test\.ts$/.test(name)) out.push(relative(root, p));
  }
  return out;
}


const only = process.argv.slice(2);
const files = (only.length > 0 ? only : ['packages', 'services', 'apps', 'scripts'].flatMap((d) => { try { return findTests(join(root, d)); } catch { return []; } })).sort();

if (only.length === 0) {
  step('typecheck (tsc --noEmit)');
  if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) process.exit(1);
  step('typecheck the web console (browser code: DOM, JSX)');
  if (run('npx', ['tsc', '-p', 'apps/console/tsconfig.json', '--noEmit']) !== 0) process.exit(1);
  step('dependency rule (dependency-cruiser): services import the platform and other services\' contract.ts only');
  if (run('npx', ['depcruise', '--config', '.dependency-cruiser.cjs', 'packages', 'services', 'apps']) !== 0) process.exit(1);
  step('event contracts stay backward compatible');
  if (run('node', ['--import', 'tsx', 'scripts/check-contracts.ts']) !== 0) process.exit(1);
}

let startedKafka = false;
const env = { ...process.env };
if (!env.MILLRACE_TEST_KAFKA_BROKERS) {
  if (!(await portOpen(9092))) {
    step('starting Apache Kafka (single KRaft node on 127.0.0.1:9092; first run fetches jars from Maven Central)');
    if (run('bash', ['infra/kafka/start-single.sh']) !== 0) {
      process.stderr.write('could not start Kafka: see .kafka/single/server.log\n');
      process.exit(1);
    }
    startedKafka = true;
  }
  env.MILLRACE_TEST_KAFKA_BROKERS = '127.0.0.1:9092';
}

step(`running ${files.length} test files`);
const code = await new Promise<number>((resolve) => {
  const child = spawn('node', ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files], { cwd: root, stdio: 'inherit', env });
  child.on('exit', (c) => resolve(c ?? 1));
});

if (startedKafka) {
  step('stopping the Kafka node this run started');
  run('bash', ['infra/kafka/stop-single.sh']);
}
step(`done: ${code === 0 ? 'all tests passed' : 'FAILED'}`);
process.exit(code);
