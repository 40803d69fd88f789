// The Millrace server: every service (or one, behind the gateway) mounted on one HTTP app, plus health, readiness, metrics and a status page.
import { randomBytes } from 'node:crypto';
import { codes, createHttpApp, MillraceError, perIp, type Runtime } from '@millrace/platform';
import { createIdentity, loadIdentityConfig } from '@millrace/identity';

export interface ServerOptions {
  /** Environment for services' own settings (identity's IDENTITY_*). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Run only this service (behind the gateway: client addresses come from X-Forwarded-For of a loopback proxy). Default: all. */
  readonly only?: string;
}

/** The services this server can mount. */
export const SERVICES = ['identity'] as const;

/**
 * Builds the HTTP server for a runtime, with the services mounted.
 * @example const app = await buildServer(runtime, { env: process.env }); await app.listen({ port: 3000 })
 */
export async function buildServer(rt: Runtime, options: ServerOptions) {
  if (options.only !== undefined && !(SERVICES as readonly string[]).includes(options.only)) {
    throw new MillraceError('validation', codes.configInvalid, `MILLRACE_SERVICE: unknown service ${options.only} (known: ${SERVICES.join(', ')})`);
  }
  const identity = await createIdentity({ db: rt.db, config: loadIdentityConfig(options.env) });
  const csrfSecret = options.env.MILLRACE_CSRF_SECRET ?? randomBytes(32).toString('base64url');
  if (!options.env.MILLRACE_CSRF_SECRET) rt.log.warn('MILLRACE_CSRF_SECRET not set: using a random one (console CSRF tokens reset at restart)');
  const app = await createHttpApp({
    log: rt.log,
    authenticators: [identity.authenticators.jwt, identity.authenticators.apiKey, identity.authenticators.session],
    throttles: [perIp({ rate: '1200/min' })],
    csrfSecret,
    openapi: { title: 'Millrace', version: '0.1.0' },
    ...(options.only ? { trustProxy: 'loopback' } : {}),
  });
  await app.register(identity.routes);
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

  app.get('/', async (_req, reply) => {
    const ready = await rt.ready();
    const { config } = rt;
    const rows = [
      ['Mode', config.mode === 'embedded' ? 'embedded (one process, PGlite, outbox-as-log)' : 'distributed'],
      ['Database', config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}/pglite`],
      ['Event log', rt.bus.driver === 'kafka' ? `Apache Kafka (${config.kafkaBrokers?.join(', ')})` : 'embedded log (outbox tables)'],
      ['Services', options.only ?? SERVICES.join(', ')],
      ['Ready', ready.ok ? 'yes' : `no: ${JSON.stringify(ready.checks)}`],
      ['Started', startedAt.toISOString()],
    ];
    return reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .type('text/html; charset=utf-8')
      .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Millrace</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1d2433}
h1{font-size:1.6rem}table{border-collapse:collapse;width:100%}td{padding:.4rem .6rem;border-bottom:1px solid #e3e6ee}
td:first-child{color:#5b6478;width:9rem}code{background:#f2f4f8;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Millrace is running</h1>
<p>Event-driven backend platform: REST writes become durable events, consumed exactly once, pushed live.</p>
<table>${rows.map(([k, v]) => `<tr><td>${k}</td><td>${escapeHtml(v!)}</td></tr>`).join('')}</table>
<p>Endpoints: <code>/healthz</code> (alive), <code>/readyz</code> (database and event log reachable),
<code>/metrics</code> (Prometheus), <code>/docs</code> (API reference), <code>/openapi.json</code>,
<code>/api/identity/…</code>, <code>/api/platform/dead-letters</code>.</p>
<p>The web console arrives with the realtime gateway; until then this page says what runs.</p></body></html>`);
  });

  return app;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
