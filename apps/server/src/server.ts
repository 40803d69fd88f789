// The Millrace server: every service (or one, behind the gateway) mounted on one HTTP app, plus health, readiness, metrics, status and the web console.
import { randomBytes } from 'node:crypto';
import { codes, createHttpApp, MillraceError, perIp, type Contract, type Runtime } from '@millrace/platform';
import { contract as identityContract, createIdentity, loadIdentityConfig } from '@millrace/identity';
import { contract as ledgerContract, createLedger } from '@millrace/ledger';
import { contract as walletContract, createWallet } from '@millrace/wallet';
import { contract as catalogContract, createCatalog } from '@millrace/catalog';
import { contract as ordersContract, createOrders } from '@millrace/orders';
import { contract as paymentsContract, createPayments, loadPaymentsConfig, simulatedProvider, sqlProviderRecords } from '@millrace/payments';
import { contract as notificationsContract, createNotifications, loadNotificationsConfig } from '@millrace/notifications';
import { CONSOLE_CSP, serveConsole } from './console.ts';
import { mountRealtime, platformChannels } from './realtime.ts';

export interface ServerOptions {
  /** Environment for services' own settings (identity's IDENTITY_*). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Run only this service (behind the gateway: client addresses come from X-Forwarded-For of a loopback proxy). Default: all. */
  readonly only?: string;
  /** The built web console to serve at `/`; default apps/console/dist. */
  readonly consoleDir?: string;
}

/** `GET /api/platform/status`: what runs, for the console's health panel. */
export interface PlatformStatus {
  readonly mode: 'embedded' | 'distributed';
  readonly database: { readonly kind: 'pglite'; readonly path: string } | { readonly kind: 'postgresql' };
  readonly eventLog: { readonly driver: 'log' } | { readonly driver: 'kafka'; readonly brokers: readonly string[] };
  readonly services: readonly string[];
  readonly startedAt: string;
}

/** The services this server can mount. */
export const SERVICES = ['identity', 'ledger', 'wallet', 'catalog', 'orders', 'payments', 'notifications'] as const;

/** Every service's published events: the runtime's registry decodes them (consumers, the realtime gateway). */
export const CONTRACTS: readonly Contract[] = [
  identityContract, ledgerContract, walletContract, catalogContract, ordersContract, paymentsContract, notificationsContract,
];

/**
 * Builds the HTTP server for a runtime, with the services mounted.
 * @example const app = await buildServer(runtime, { env: process.env }); await app.listen({ port: 3000 })
 */
export async function buildServer(rt: Runtime, options: ServerOptions) {
  if (options.only !== undefined && !(SERVICES as readonly string[]).includes(options.only)) {
    throw new MillraceError('validation', codes.configInvalid, `MILLRACE_SERVICE: unknown service ${options.only} (known: ${SERVICES.join(', ')})`);
  }
  // one service (behind the gateway) or all; the wallet runs on the ledger of its own process, so they go together
  const mounts = (name: string) => options.only === undefined || options.only === name || (options.only === 'ledger' && name === 'wallet') || (options.only === 'wallet' && name === 'ledger');
  // identity is always opened: its keys and sessions authenticate every service's requests
  const identity = await createIdentity({ db: rt.db, config: loadIdentityConfig(options.env), metrics: rt.metrics });
  const ledger = mounts('ledger') ? await createLedger({ db: rt.db, bus: rt.bus, onError: (err) => rt.log.error({ err }, 'ledger: identity subscription failed') }) : undefined;
  // commerce: each service talks to the others through events only
  const commerce = [
    mounts('catalog') ? await createCatalog({ db: rt.db, bus: rt.bus, log: rt.log }) : undefined,
    mounts('orders') ? await createOrders({ db: rt.db, bus: rt.bus, log: rt.log }) : undefined,
    mounts('payments')
      ? await createPayments({ db: rt.db, bus: rt.bus, log: rt.log, provider: simulatedProvider({ ...loadPaymentsConfig(options.env).simulated, records: await sqlProviderRecords(rt.db) }) })
      : undefined,
    mounts('notifications') ? await createNotifications({ db: rt.db, bus: rt.bus, log: rt.log, ...loadNotificationsConfig(options.env) }) : undefined,
  ].filter((s) => s !== undefined);
  const csrfSecret = options.env.MILLRACE_CSRF_SECRET ?? randomBytes(32).toString('base64url');
  if (!options.env.MILLRACE_CSRF_SECRET) rt.log.warn('MILLRACE_CSRF_SECRET not set: using a random one (console CSRF tokens reset at restart)');
  const authenticators = [identity.authenticators.jwt, identity.authenticators.apiKey, identity.authenticators.session];
  const app = await createHttpApp({
    log: rt.log,
    authenticators,
    throttles: [perIp({ rate: '1200/min' })],
    csrfSecret,
    openapi: { title: 'Millrace', version: '0.1.0' },
    securityHeaders: { csp: CONSOLE_CSP },
    ...(options.only ? { trustProxy: 'loopback' } : {}),
  });
  if (mounts('identity')) await app.register(identity.routes);
  if (ledger) {
    await app.register(ledger.routes);
    await app.register(createWallet({ ledger: ledger.ledger }).routes);
    app.addHook('onClose', () => ledger.close());
  }
  for (const s of commerce) await app.register(s.routes);
  await mountRealtime(app, rt, { authenticators, channels: [...platformChannels, ...(ledger?.channels ?? []), ...commerce.flatMap((s) => s.channels)] });
  for (const s of commerce) await s.start();
  app.addHook('onClose', async () => {
    for (const s of [...commerce].reverse()) await s.close();
  });
  const startedAt = new Date();

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const r = await rt.ready();
    return reply.code(r.ok ? 200 : 503).send({ status: r.ok ? 'ready' : 'not-ready', checks: r.checks });
  });

  app.get('/metrics', async (_req, reply) => {
    return reply.type(rt.metrics.registry.contentType).send(await rt.metrics.registry.metrics());
  });

  app.get('/api/platform/dead-letters', async (req) => {
    const q = req.query as { group?: string; status?: 'dead' | 'redriven' | 'discarded'; afterId?: string };
    return { items: await rt.bus.deadLetters.list({ ...q, limit: 100 }) };
  });

  app.get('/api/platform/status', async () => {
    const { config } = rt;
    const status: PlatformStatus = {
      mode: config.mode,
      database: config.databaseUrl ? { kind: 'postgresql' } : { kind: 'pglite', path: `${config.dataDir}/pglite` },
      eventLog: rt.bus.driver === 'kafka' ? { driver: 'kafka', brokers: config.kafkaBrokers ?? [] } : { driver: 'log' },
      services: SERVICES.filter(mounts),
      startedAt: startedAt.toISOString(),
    };
    return status;
  });

  const { built } = await serveConsole(app, options.consoleDir ? { dir: options.consoleDir } : {});
  if (!built) rt.log.warn(`the web console is not built: / explains it; run npm run build -w apps/console`);

  return app;
}

