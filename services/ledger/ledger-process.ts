// Runs services/ledger/test-server.ts as a child process: start, wait for READY, SIGKILL or stop. For the kill -9 test and the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface LedgerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** kill -9, and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: graceful. */
  stop(): Promise<void>;
  stderr(): string;
}

/**
 * Starts one life of the ledger process on `db` (postgres://... or pglite:<dir>).
 * @example const p = await startLedgerProcess({ db: url }); ...; await p.kill()
 */
export async function startLedgerProcess(options: { db: string; fraud?: boolean; kafka?: string; timeoutMs?: number }): Promise<LedgerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DB: options.db, LEDGER_FRAUD: options.fraud ? '1' : '0', ...(options.kafka ? { LEDGER_KAFKA: options.kafka } : {}) };
  delete env.NODE_TEST_CONTEXT; // not a test file: keep it out of the runner's protocol
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/ledger/test-server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-8000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ledger process: no READY within ${options.timeoutMs ?? 60_000} ms: ${stderr}`)), options.timeoutMs ?? 60_000);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^READY (\d+)$/.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`ledger process exited (${code ?? signal}) before READY: ${stderr}`));
    });
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child, baseUrl: `http://127.0.0.1:${port}`, stderr: () => stderr,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
    },
  };
}
