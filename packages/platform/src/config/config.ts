// Configuration: the environment parsed once, with a schema, failing fast with a clear message.
import { z } from 'zod';
import { MillraceError, codes } from '../errors.ts';

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

// `identity=http://127.0.0.1:3101,orders=http://10.0.0.7:3102`: service name -> base URL
const backends = csv.pipe(
  z
    .array(z.string().regex(/^[a-z][a-z0-9-]*=https?:\/\/[^\s,]+$/, 'expected name=http://host:port'))
    .min(1)
    .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1).replace(/\/+$/, '')])))
    .refine((m) => Object.values(m).every((u) => URL.canParse(u)), 'every backend needs a valid URL'),
);

export const configSchema = z.object({
  MILLRACE_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MILLRACE_HOST: z.string().default('127.0.0.1'),
  MILLRACE_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  KAFKA_BROKERS: csv.optional(),
  REDIS_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MILLRACE_RELAY_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
  MILLRACE_SERVICE: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a service name such as identity').optional(),
  MILLRACE_GATEWAY_BACKENDS: backends.optional(),
}).refine((c) => !(c.MILLRACE_SERVICE && c.MILLRACE_GATEWAY_BACKENDS), {
  message: 'set MILLRACE_SERVICE (run one service) or MILLRACE_GATEWAY_BACKENDS (run the gateway), not both',
  path: ['MILLRACE_GATEWAY_BACKENDS'],
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
  /** What this process serves: every service (default), one service alone, or the gateway in front of services. */
  readonly role: 'all' | 'service' | 'gateway';
  /** The one service this process runs (role `service`). */
  readonly service: string | undefined;
  /** Service name -> base URL of its process (role `gateway`). */
  readonly gatewayBackends: Readonly<Record<string, string>> | undefined;
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
    role: c.MILLRACE_GATEWAY_BACKENDS ? 'gateway' : c.MILLRACE_SERVICE ? 'service' : 'all',
    service: c.MILLRACE_SERVICE,
    gatewayBackends: c.MILLRACE_GATEWAY_BACKENDS ? Object.freeze(c.MILLRACE_GATEWAY_BACKENDS) : undefined,
  });
}
