// `npm run replay -w @millrace/ledger` / `npm run verify -w @millrace/ledger`: rebuild the projections from the journal and diff them,
// or verify the journal's hash chain. Reads DATABASE_URL (PostgreSQL) or MILLRACE_DATA_DIR (PGlite), like the server.
// Exit code 0 when identical / verified, 1 otherwise; the report is printed as JSON.
import { join } from 'node:path';
import { loadConfig, migratePlatform, openDatabase } from '@millrace/platform';
import { replayProjections, verifyChain } from './replay.ts';
import { migrateLedger } from './store.ts';

const command = process.argv[2];
if (command !== 'replay' && command !== 'verify') {
  process.stderr.write('usage: node --import tsx services/ledger/cli.ts replay|verify\n');
  process.exit(2);
}
const config = loadConfig(process.env);
const db = await openDatabase({ url: config.databaseUrl, pgliteDir: join(config.dataDir, 'pglite') });
try {
  await migratePlatform(db);
  await migrateLedger(db, new Date());
  const report = command === 'replay' ? await replayProjections(db) : await verifyChain(db);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = ('identical' in report ? report.identical : report.ok) ? 0 : 1;
} finally {
  await db.close();
}
