// Database: Kysely over PostgreSQL (pg) or PGlite, one transaction helper with commit hooks and retries.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Logger } from '../observability/logger.ts';
import { isRetryableSqlError } from './retry.ts';

// bigint / int8 as string would leak into every row; we keep int8 as string and parse where needed.

/** Hooks a transaction exposes to plugins such as the outbox. */
export interface TxHooks {
  /** Runs inside the transaction, after the work, just before COMMIT. */
  beforeCommit(fn: () => Promise<void>): void;
  /** Runs after a successful COMMIT. */
  afterCommit(fn: () => void): void;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  /** Attempts on serialization failure / deadlock (SQLSTATE 40001 / 40P01). Default 5. */
  maxAttempts?: number;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly kysely: Kysely<any>;
  /**
   * Runs `work` in one transaction, retrying it whole on serialization failures.
   * @example await db.transaction(async (trx, hooks) => { await trx.insertInto('t').values(v).execute() })
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  transaction<T>(work: (trx: Transaction<any>, hooks: TxHooks) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Subscribes to a NOTIFY channel (in-process for PGlite). Returns an unsubscribe function. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** Wakes in-process listeners of a channel (the pg NOTIFY reaches other processes too). */
  notifyLocal(channel: string): void;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://... for PostgreSQL; otherwise PGlite at `pgliteDir` (or in memory when omitted). */
  url?: string | undefined;
  pgliteDir?: string | undefined;
  poolSize?: number;
  log?: Logger;
}

/**
 * Opens a database: PostgreSQL when `url` is set, PGlite otherwise.
 * @example const db = await openDatabase({ url: process.env.DATABASE_URL, pgliteDir: './data/pglite' })
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10, options.log) : openPglite(options.pgliteDir);
}

type Listeners = Map<string, Set<() => void>>;

function localNotifier() {
  const listeners: Listeners = new Map();
  return {
    add(channel: string, fn: () => void) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    fire(channel: string) {
      for (const fn of listeners.get(channel) ?? []) fn();
    },
  };
}

async function openPostgres(url: string, poolSize: number, log?: Logger): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', (err) => log?.warn({ err }, 'idle PostgreSQL client error'));
  const kysely = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const local = localNotifier();
  let listenClient: pg.Client | undefined;
  const channels = new Map<string, number>();

  async function ensureListenClient(): Promise<pg.Client> {
    if (listenClient) return listenClient;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    client.on('notification', (msg) => local.fire(msg.channel));
    client.on('error', (err) => {
      log?.warn({ err }, 'LISTEN connection lost; listeners fall back to their safety poll');
      listenClient = undefined;
    });
    listenClient = client;
    return client;
  }

  return {
    kind: 'postgres',
    kysely,
    transaction: (work, options) => runTransaction(kysely, work, options),
    async listen(channel, onNotify) {
      const off = local.add(channel, onNotify);
      const count = channels.get(channel) ?? 0;
      channels.set(channel, count + 1);
      if (count === 0) await (await ensureListenClient()).query(`LISTEN ${quoteIdent(channel)}`);
      return async () => {
        off();
        const n = (channels.get(channel) ?? 1) - 1;
        channels.set(channel, n);
        if (n === 0 && listenClient) await listenClient.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
      };
    },
    notifyLocal: (channel) => local.fire(channel),
    async close() {
      const c = listenClient;
      listenClient = undefined;
      await c?.end().catch(() => {});
      await kysely.destroy();
    },
  };
}

async function openPglite(dir: string | undefined): Promise<Database> {
  if (dir) mkdirSync(dir, { recursive: true });
  // PGlite's defaults turn fsync off (-F); an acknowledged write must survive a machine crash too, so we keep it on.
  // A small shared_buffers keeps the embedded server's resident memory low; the OS page cache does the rest.
  const startParams = [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'shared_buffers=16MB'];
  const pglite = await PGlite.create({ ...(dir ? { dataDir: dir } : {}), startParams });
  const kysely = new Kysely({ dialect: new PGliteDialect(pglite) });
  const local = localNotifier();
  return {
    kind: 'pglite',
    kysely,
    transaction: (work, options) => runTransaction(kysely, work, options),
    async listen(channel, onNotify) {
      const off = local.add(channel, onNotify);
      return async () => void off();
    },
    notifyLocal: (channel) => local.fire(channel),
    async close() {
      await kysely.destroy();
    },
  };
}

async function runTransaction<T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kysely: Kysely<any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  work: (trx: Transaction<any>, hooks: TxHooks) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const after: Array<() => void> = [];
    try {
      let builder = kysely.transaction();
      if (options.isolation) builder = builder.setIsolationLevel(options.isolation);
      const result = await builder.execute(async (trx) => {
        const before: Array<() => Promise<void>> = [];
        const hooks: TxHooks = { beforeCommit: (fn) => void before.push(fn), afterCommit: (fn) => void after.push(fn) };
        const value = await work(trx, hooks);
        for (const fn of before) await fn();
        return value;
      });
      for (const fn of after) fn();
      return result;
    } catch (err) {
      if (attempt >= maxAttempts || !isRetryableSqlError(err)) throw err;
      // jittered exponential backoff keeps retries of contending transactions apart
      await new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export { sql };
