// Benchmark helpers: medians and percentiles, result files (JSON + markdown table), Kafka availability.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { portOpen } from '@millrace/platform/testing';

export const repoRoot = new URL('../../../', import.meta.url).pathname;

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** The largest value (Math.max(...xs) overflows the stack on large samples). */
export function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function machine() {
  return { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', node: process.version };
}

/** Writes bench/results/<name>.json and <name>.md (a table for people). */
export function writeResult(name: string, json: object, markdown: string): void {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), `${markdown.trim()}\n`);
  process.stdout.write(`\nwrote bench/results/${name}.json and ${name}.md\n\n${markdown}\n`);
}

export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function progress(msg: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}


/** Brokers from KAFKA_BROKERS, or a single local node started with the project's script. */
export async function ensureKafka(): Promise<string[]> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',');
  if (!(await portOpen(9092))) {
    progress('starting Kafka (infra/kafka/start-single.sh)');
    const r = spawnSync('bash', ['infra/kafka/start-single.sh'], { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('could not start Kafka');
  }
  return ['127.0.0.1:9092'];
}
