// Configuration: the environment parsed once, with a schema, failing fast with a clear message.
import { z } from 'zod';
import { MillraceError, codes } from '../errors.ts';

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

export const configSchema = z.object({
  MILLRACE_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MILLRACE_HOST: z.string().default('127.0.0.1'),
  MILLRACE_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: csv.optional(),
  REDIS_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MILLRACE_RELAY_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** PostgreSQL when set, PGlite under dataDir otherwise. */
  readonly databaseUrl: string | undefined;
  /** Kafka driver when set, the embedded log driver otherwise. */
  readonly kafkaBrokers: readonly string[] | undefined;
  readonly redisUrl: string | undefined;
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly relayBatch: number;
  readonly mode: 'embedded' | 'distributed';
}

/**
 * Parses configuration from an environment object (pass `process.env` at the edge only).
 * @example const config = loadConfig(process.env)
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new MillraceError('validation', codes.configInvalid, `invalid configuration:\n${lines}`, {
      details: parsed.error.issues,
    });
  }
  const c = parsed.data;
  return Object.freeze({
    port: c.MILLRACE_PORT,
    host: c.MILLRACE_HOST,
    dataDir: c.MILLRACE_DATA_DIR,
    databaseUrl: c.DATABASE_URL,
    kafkaBrokers: c.KAFKA_BROKERS && c.KAFKA_BROKERS.length > 0 ? Object.freeze(c.KAFKA_BROKERS) : undefined,
    redisUrl: c.REDIS_URL,
    logLevel: c.LOG_LEVEL,
    relayBatch: c.MILLRACE_RELAY_BATCH,
    mode: c.DATABASE_URL || c.KAFKA_BROKERS ? 'distributed' : 'embedded',
  });
}
