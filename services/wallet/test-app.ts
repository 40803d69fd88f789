// Test harness: the ledger in its own process (services/ledger/test-server.ts), the wallet app in this one, talking HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createHttpApp } from '@millrace/platform';
import { testAuthenticator } from '@millrace/platform/testing';
import type { FastifyInstance } from 'fastify';
import { createWallet } from './index.ts';
import { httpLedgerClient } from './ledger-http.ts';

const ROOT = new URL('../..', import.meta.url).pathname;


export const as = (user: string) => ({ authorization: `Test ${user}:customer` });

export interface LedgerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/** Starts the ledger alone in a child process on `db` (postgres://... or pglite:<dir>; a temporary PGlite dir when omitted). */
export async function startLedgerProcess(options: { db?: string; fraud?: boolean; env?: Record<string, string> } = {}): Promise<LedgerProcess> {
  const dir = options.db ? undefined : mkdtempSync(join(tmpdir(), 'wallet-ledger-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DB: options.db ?? `pglite:${dir}`, LEDGER_FRAUD: options.fraud ? '1' : '0', ...options.env };
  delete env.NODE_TEST_CONTEXT; // not a test file: keep it out of the runner's protocol
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/ledger/test-server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^READY (\d+)$/.exec(l);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`ledger process exited with ${code}: ${stderr}`)));
  });
  return {
    child, baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WalletHarness {
  readonly app: FastifyInstance;
  readonly ledger: LedgerProcess;
  close(): Promise<void>;
}

export async function startWallet(options: { db?: string; fraud?: boolean } = {}): Promise<WalletHarness> {
  const ledger = await startLedgerProcess(options);
  const wallet = createWallet({ ledger: httpLedgerClient({ baseUrl: ledger.baseUrl, authorization: 'Test wallet:service' }) });
  const app = await createHttpApp({ authenticators: [testAuthenticator], openapi: false });
  await app.register(wallet.routes);
  await app.ready();
  return {
    app, ledger,
    async close() {
      await app.close();
      await ledger.stop();
    },
  };
}
