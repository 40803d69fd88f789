// The bank test on PGlite (embedded storage; the ledger process owns the data directory, killed -9 three times).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openDatabase } from '@millrace/platform';
import { bankSuite } from './bank.suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'ledger-bank-'));
after(() => rmSync(dir, { recursive: true, force: true }));
bankSuite('PGlite', async () => ({ db: `pglite:${dir}`, open: () => openDatabase({ pgliteDir: dir }), kills: 3 }));
