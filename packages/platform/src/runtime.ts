// The runtime: configuration turned into a database, an event bus, metrics and a logger, closed in the right order.
import { join } from 'node:path';
import type { Config } from './config/config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { EventRegistry, type Contract } from './events/contract.ts';
import { createEventBus } from './events/create-event-bus.ts';
import { platformContract } from './events/dead-letters.ts';
import type { EventBus } from './events/event-bus.ts';
import { migratePlatform } from './events/schema.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';

export interface Runtime {
  readonly config: Config;
  readonly db: Database;
  readonly bus: EventBus;
  readonly registry: EventRegistry;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Database and event log reachable. */
  ready(): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; error?: string }> }>;
  close(): Promise<void>;
}

/**
 * Opens everything a Millrace process needs; runs the platform migrations.
 * @example const rt = await createRuntime(loadConfig(process.env), { log, contracts: [orders.contract] })
 */
export async function createRuntime(
  config: Config,
  options: { log: Logger; contracts?: readonly Contract[]; metrics?: Metrics; clientId?: string },
): Promise<Runtime> {
  const { log } = options;
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: true });
  const db = await openDatabase({ url: config.databaseUrl, pgliteDir: join(config.dataDir, 'pglite'), log });
  await migratePlatform(db);
  const registry = new EventRegistry([platformContract, ...(options.contracts ?? [])]);
  const bus = await createEventBus({
    db, registry, log, metrics,
    kafkaBrokers: config.kafkaBrokers,
    relayBatch: config.relayBatch,
    ...(options.clientId ? { clientId: options.clientId } : {}),
  });
  return {
    config, db, bus, registry, metrics, log,
    async ready() {
      const checks: Record<string, { ok: boolean; error?: string }> = {};
      try {
        await db.kysely.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
        checks.database = { ok: true };
      } catch (err) {
        checks.database = { ok: false, error: (err as Error).message };
      }
      try {
        await withTimeout(bus.ping(), 2_000);
        checks.eventLog = { ok: true };
      } catch (err) {
        checks.eventLog = { ok: false, error: (err as Error).message };
      }
      return { ok: Object.values(checks).every((c) => c.ok), checks };
    },
    async close() {
      await bus.close();
      await db.close();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
