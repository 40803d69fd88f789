// Runs the chaos worker as a child process, kills it with SIGKILL at random moments, restarts it, lets it finish.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));
const REPO_ROOT = path.resolve(path.dirname(WORKER_PATH), '../../../../..');

export interface WorkerLine {
  readonly type: 'ready' | 'subscribed' | 'progress' | 'done' | 'error';
  readonly pid: number;
  readonly t: number;
  readonly produced?: number;
  readonly consumed?: number;
  readonly error?: string;
  readonly [k: string]: unknown;
}

/** One life of the worker process. */
class Life {
  readonly child: ChildProcess;
  readonly lines: WorkerLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';
  #waiters = new Set<() => void>();
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(env: Record<string, string>) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    // the worker is not a test file: keep it out of the parent's test-runner protocol
    delete childEnv.NODE_TEST_CONTEXT;
    this.child = spawn(process.execPath, ['--import', 'tsx', WORKER_PATH], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as WorkerLine);
      } catch {
        this.#stderr += `[stdout] ${line}\n`;
      }
      this.#notify();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-8000);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  get stderr(): string {
    return this.#stderr;
  }

  get exit() {
    return this.#exit;
  }

  #notify() {
    for (const w of this.#waiters) w();
  }

  /** Resolves with the first line matching `pred`; rejects if the process exits first or time runs out. */
  waitLine(what: string, pred: (l: WorkerLine) => boolean, timeoutMs: number): Promise<WorkerLine> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => finish(new Error(`chaos worker ${this.child.pid}: no ${what} within ${timeoutMs} ms${this.#tail()}`)), timeoutMs);
      const check = () => {
        const errorLine = this.lines.find((l) => l.type === 'error');
        if (errorLine) return finish(new Error(`chaos worker ${this.child.pid} failed: ${errorLine.error}${this.#tail()}`));
        const hit = this.lines.find(pred);
        if (hit) return finish(undefined, hit);
        if (this.#exit) finish(new Error(`chaos worker ${this.child.pid} exited (${JSON.stringify(this.#exit)}) before ${what}${this.#tail()}`));
      };
      const finish = (err: Error | undefined, line?: WorkerLine) => {
        clearTimeout(deadline);
        this.#waiters.delete(check);
        if (err) reject(err);
        else resolve(line!);
      };
      this.#waiters.add(check);
      check();
    });
  }

  #tail(): string {
    const last = this.lines.at(-1);
    return `\n  last line: ${JSON.stringify(last)}\n  stderr tail:\n${this.#stderr.split('\n').slice(-30).join('\n')}`;
  }
}

export interface KillRecord {
  readonly life: number;
  /** what the kill waited for before its random delay */
  readonly trigger: 'progress' | 'consumer-progress';
  readonly delayMs: number;
  /** the last progress the worker reported before it died */
  readonly produced: number;
  readonly consumed: number;
}

export interface ChaosRunResult {
  readonly kills: KillRecord[];
  readonly lives: number;
  readonly durationMs: number;
  readonly done: WorkerLine;
}

export interface ChaosRunOptions {
  readonly env: Record<string, string>;
  /** SIGKILLs before the worker is allowed to finish. */
  readonly kills: number;
  /** Random delay after the trigger, in ms. Default [300, 1500]. */
  readonly killWindowMs?: readonly [number, number];
  /** Which kills wait until the consumer has applied events in this life (else: any progress). Default: odd kills. */
  readonly waitForConsumer?: (kill: number) => boolean;
  /** How many events the consumer must have applied in this life before such a kill's delay starts. Default 300. */
  readonly consumerProgress?: number;
  /** Longest a life may take to reach its trigger. Default 90 s. */
  readonly triggerTimeoutMs?: number;
  /** Longest the last life may take to finish. Default 150 s. */
  readonly finishTimeoutMs?: number;
  readonly onEvent?: (message: string) => void;
}

/**
 * Starts the worker, kills it `kills` times (SIGKILL at a random moment after it shows progress), waiting each time
 * for the process to be gone before restarting it, then lets the last life run to its end.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosRunResult> {
  const [lo, hi] = options.killWindowMs ?? [300, 1500];
  const waitForConsumer = options.waitForConsumer ?? ((k) => k % 2 === 1);
  const triggerTimeout = options.triggerTimeoutMs ?? 90_000;
  const minConsumed = options.consumerProgress ?? 300;
  const started = Date.now();
  const kills: KillRecord[] = [];
  let life = 0;
  let current: Life | undefined;
  try {
    for (let k = 0; k < options.kills; k++) {
      life++;
      current = new Life(options.env);
      const ready = await current.waitLine('ready line', (l) => l.type === 'ready', triggerTimeout);
      const consumerWait = waitForConsumer(k);
      const trigger = consumerWait
        ? await current.waitLine('consumer progress', (l) => l.type === 'progress' && (l.consumed ?? 0) >= (ready.consumed ?? 0) + minConsumed, triggerTimeout)
        : await current.waitLine('progress', (l) => l.type === 'progress', triggerTimeout);
      const delayMs = Math.round(lo + Math.random() * (hi - lo));
      await new Promise((r) => setTimeout(r, delayMs));
      if (current.exit || current.lines.some((l) => l.type === 'done')) {
        throw new Error(`chaos worker finished on its own before kill #${k + 1}: raise the event count so that ${options.kills} kills fit`);
      }
      current.child.kill('SIGKILL');
      const exit = await current.exited;
      if (exit.signal !== 'SIGKILL') throw new Error(`chaos worker exited with ${JSON.stringify(exit)} instead of being killed${current.stderr}`);
      const last = [...current.lines].reverse().find((l) => l.type === 'progress') ?? trigger;
      const record: KillRecord = {
        life,
        trigger: consumerWait ? 'consumer-progress' : 'progress',
        delayMs,
        produced: last.produced ?? 0,
        consumed: last.consumed ?? 0,
      };
      kills.push(record);
      options.onEvent?.(`kill #${k + 1}: ${JSON.stringify(record)}`);
    }
    life++;
    current = new Life(options.env);
    const done = await current.waitLine('done line', (l) => l.type === 'done', options.finishTimeoutMs ?? 150_000);
    const exit = await current.exited;
    if (exit.code !== 0) throw new Error(`chaos worker ended with ${JSON.stringify(exit)}${current.stderr}`);
    return { kills, lives: life, durationMs: Date.now() - started, done };
  } finally {
    if (current && !current.exit) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
  }
}
