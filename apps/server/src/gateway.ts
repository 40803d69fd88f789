// The gateway of distributed mode: one entry that authenticates, throttles and routes /api/<service>/* to each service's process.
import { randomBytes } from 'node:crypto';
import { createHttpApp, installDocs, MillraceError, perIp, type Authenticator, type Logger, type Throttle } from '@millrace/platform';
import { createJwtAuthenticator, loadIdentityConfig } from '@millrace/identity';
import type { FastifyInstance } from 'fastify';
import { createBackends, type Backend, type BreakerOptions } from './backends.ts';
import { backendUnavailable, backendUnknown } from './errors.ts';
import { CONSOLE_CSP, serveConsole } from './console.ts';
import { createGatewayMetrics } from './gateway-metrics.ts';
import { mergedOpenApi } from './openapi-merge.ts';
import { forward } from './proxy.ts';
import { proxyUpgrades } from './ws-proxy.ts';

export interface GatewayOptions {
  /** Service name -> base URL of the process serving it, e.g. `{ identity: 'http://127.0.0.1:3101' }`. */
  readonly backends: Readonly<Record<string, string>>;
  /** Environment for IDENTITY_ISSUER / IDENTITY_AUDIENCE and MILLRACE_CSRF_SECRET (shared with the services). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
  readonly breaker?: Partial<BreakerOptions>;
  /** Timeout of each backend's /healthz probe, ms. Default 1000. */
  readonly probeTimeoutMs?: number;
  /** Default: perIp 1200/min, as in embedded mode. */
  readonly throttles?: readonly Throttle[];
  /**
   * The backend whose realtime gateway serves `/realtime` WebSockets and `/api/platform/*`, `/api/realtime/*`.
   * Default: `realtime` if configured, else `identity`.
   */
  readonly realtimeBackend?: string;
  /** The built web console served at `/`; default apps/console/dist. */
  readonly consoleDir?: string;
}

/**
 * Builds the gateway: bearer JWTs are verified here against identity's JWKS (a bad one is a 401 before any backend
 * sees it), app-wide throttles apply, then each request goes to its service's backend through that backend's breaker.
 * @example const app = await buildGateway({ backends: config.gatewayBackends, env: process.env, log }); await app.listen({ port: 3000 })
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const backends = createBackends(options.backends, options.breaker);
  const identity = backends.get('identity');
  const csrfSecret = options.env.MILLRACE_CSRF_SECRET ?? randomBytes(32).toString('base64url');
  if (!options.env.MILLRACE_CSRF_SECRET) options.log?.warn('MILLRACE_CSRF_SECRET not set: using a random one (cookie-authenticated writes will fail at the services)');
  if (!identity) options.log?.warn('no identity backend: bearer tokens are not checked at the gateway');
  const app = await createHttpApp({
    ...(options.log ? { log: options.log } : {}),
    authenticators: identity ? [edgeJwt(identity, options.env)] : [],
    throttles: options.throttles ?? [perIp({ rate: '1200/min' })],
    csrfSecret,
    openapi: false,
    securityHeaders: { csp: CONSOLE_CSP },
  });
  // every service process runs a realtime gateway on the shared event log; one of them takes the browsers' sockets,
  // and answers the platform's own API (status, dead letters, channels) for the console
  const realtime = backends.get(options.realtimeBackend ?? (backends.has('realtime') ? 'realtime' : 'identity'));
  app.addHook('onClose', async () => {
    for (const b of backends.values()) b.shutdown();
  });
  const metrics = createGatewayMetrics(backends);
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  // one API reference for all services: their documents merged
  app.get('/openapi.json', mergedOpenApi(backends, { title: 'Millrace', version: '0.1.0' }));
  installDocs(app, { specUrl: '/openapi.json' });

  const report = async () => {
    const entries = await Promise.all(
      [...backends.values()].map(async (b) => {
        const probe = await b.probe(options.probeTimeoutMs ?? 1000);
        return [b.name, { url: b.url, reachable: probe.reachable, breaker: b.state(), latencyMs: probe.latencyMs }] as const;
      }),
    );
    const up = entries.every(([, e]) => e.reachable && e.breaker !== 'open');
    return { up, backends: Object.fromEntries(entries) };
  };
  app.get('/healthz', async () => {
    const r = await report();
    return { status: r.up ? 'ok' : 'degraded', backends: r.backends };
  });
  app.get('/readyz', async (_req, reply) => {
    const r = await report();
    return reply.code(r.up ? 200 : 503).send({ status: r.up ? 'ready' : 'not-ready', backends: r.backends });
  });

  // Bodies are forwarded as received (the service checks them); only the size limit applies here.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.all('/api/:service/*', async (req, reply) => {
      const name = (req.params as { service: string }).service;
      const backend = name === 'platform' || name === 'realtime' ? realtime : backends.get(name);
      if (!backend) throw backendUnknown(name);
      try {
        await forward(req, reply, backend);
        metrics.forwarded.inc({ backend: backend.name, status: `${Math.floor(reply.statusCode / 100)}xx` });
        return reply;
      } catch (err) {
        metrics.forwarded.inc({ backend: backend.name, status: 'unavailable' });
        throw err;
      }
    });
    if (identity) scope.get('/.well-known/jwks.json', (req, reply) => forward(req, reply, identity));
  });

  if (realtime) proxyUpgrades(app.server, '/realtime', realtime, options.log);
  await serveConsole(app, options.consoleDir ? { dir: options.consoleDir } : {});
  return app;
}

/** Identity's JWT authenticator on its published JWKS; a JWKS that cannot be fetched is a 503, not a 401. */
function edgeJwt(identity: Backend, env: GatewayOptions['env']): Authenticator {
  // only the token settings: the gateway holds no keys, so identity's key-encryption rules do not apply here
  const { issuer, audience } = loadIdentityConfig({ IDENTITY_ISSUER: env.IDENTITY_ISSUER, IDENTITY_AUDIENCE: env.IDENTITY_AUDIENCE });
  const jwt = createJwtAuthenticator({ jwks: new URL(`${identity.url}/.well-known/jwks.json`), issuer, audience });
  return {
    async authenticate(req) {
      try {
        return await jwt.authenticate(req);
      } catch (err) {
        const jwksDown = err instanceof MillraceError && (err.cause as { code?: string } | undefined)?.code === 'ERR_JWKS_TIMEOUT';
        if (err instanceof MillraceError && !jwksDown) throw err;
        throw backendUnavailable(identity.name, 'its signing keys (JWKS) cannot be fetched', 1, err);
      }
    },
  };
}
