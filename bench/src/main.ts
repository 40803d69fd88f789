// `npm run bench -- <name> [options]`: runs bench/src/<name>.ts, which writes bench/results/<name>.json and .md.
import { existsSync } from 'node:fs';

const name = process.argv[2];
// the runnable benchmarks (other files here are their helpers and child processes)
const available = ['kafka-clients', 'events', 'http', 'realtime', 'ledger', 'commerce'];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
const file = new URL(`./${name}.ts`, import.meta.url);
if (!existsSync(file)) process.exit(2);
const mod = (await import(file.href)) as { run: (args: string[]) => Promise<void> };
await mod.run(process.argv.slice(3));
process.exit(0);
