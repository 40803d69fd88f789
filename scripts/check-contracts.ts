// `npm run check:contracts [-- --update]`: every published event schema must stay backward compatible with contracts.lock.json.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { checkCompatibility, platformContract, type Contract } from '@millrace/platform';

const root = new URL('..', import.meta.url).pathname;
const lockPath = join(root, 'contracts.lock.json');
const update = process.argv.includes('--update');

type Lock = Record<string, unknown>; // "<type>@<version>" -> JSON Schema

async function loadContracts(): Promise<Contract[]> {
  const contracts: Contract[] = [platformContract];
  const dir = join(root, 'services');
  if (!existsSync(dir)) return contracts;
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'contract.ts');
    if (!existsSync(file)) continue;
    const mod = (await import(pathToFileURL(file).href)) as { contract?: Contract };
    if (!mod.contract) throw new Error(`${file} must export \`contract\` (defineContract({...}))`);
    contracts.push(mod.contract);
  }
  return contracts;
}

const current: Lock = {};
for (const c of await loadContracts()) {
  for (const [type, versions] of Object.entries(c.events)) {
    for (const [v, schema] of Object.entries(versions)) current[`${type}@${v}`] = z.toJSONSchema(schema as z.ZodType, { io: 'input' });
  }
}

const locked: Lock = existsSync(lockPath) ? (JSON.parse(readFileSync(lockPath, 'utf8')) as Lock) : {};
const problems: string[] = [];
for (const [id, schema] of Object.entries(locked)) {
  if (!(id in current)) {
    problems.push(`${id}: removed (published versions stay forever; deprecate instead)`);
    continue;
  }
  for (const issue of checkCompatibility(schema, current[id])) problems.push(`${id} ${issue.path}: ${issue.problem}`);
}
const added = Object.keys(current).filter((id) => !(id in locked));

if (problems.length > 0) {
  process.stderr.write(`✖ incompatible event schema changes (publish a new version instead):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
if (added.length > 0 && !update) {
  process.stderr.write(`✖ new event schemas not yet in contracts.lock.json: ${added.join(', ')}\n  run: npm run check:contracts -- --update\n`);
  process.exit(1);
}
if (update) {
  const next = Object.fromEntries(Object.keys(current).sort().map((id) => [id, current[id]]));
  writeFileSync(lockPath, `${JSON.stringify(next, null, 2)}\n`);
  process.stdout.write(`contracts.lock.json updated (${added.length} new: ${added.join(', ') || 'none'})\n`);
} else {
  process.stdout.write(`✔ ${Object.keys(current).length} event schemas compatible with contracts.lock.json\n`);
}
