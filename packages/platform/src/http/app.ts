// The HTTP app builder: Fastify with problem+json errors, JSON-only bodies, authentication, throttles, CSRF, CORS, security headers, OpenAPI and docs.
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { MillraceError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { authenticate, contextOf, needsAppCsrf } from './context.ts';
import { installCsrf, needsCsrf, type CsrfOptions } from './csrf.ts';
import { installDocs } from './docs.ts';
import { installErrorHandling } from './error-handler.ts';
import { installJsonBody } from './json-body.ts';
import { openApiDocument, type OpenApiInfo } from './openapi.ts';
import type { Authenticator } from './principal.ts';
import { httpCodes } from './problem.ts';
import { registeredResources } from './router.ts';
import { installSecurityHeaders, type SecurityHeadersOptions } from './security-headers.ts';
import { checkThrottles, type Throttle } from './throttling.ts';

export interface HttpAppOptions {
  log?: Logger;
  /** Tried in order; the first that recognizes credentials sets `req.principal`. */
  authenticators?: readonly Authenticator[];
  /** App-wide throttles, checked on every request after authentication (e.g. perIp, perPrincipal). */
  throttles?: readonly Throttle[];
  /** Origins allowed cross-origin (exact strings, e.g. https://console.example.com). Omitted: same-origin only. */
  cors?: { origins: readonly string[]; credentials?: boolean };
  /** Enables CSRF protection of cookie-authenticated writes (and GET /api/csrf-token). At least 32 bytes. */
  csrfSecret?: string;
  csrf?: Omit<CsrfOptions, 'secret'>;
  /** Maximum body bytes (413 above). Default 1 MiB. */
  bodyLimit?: number;
  /** Maximum JSON nesting (400 above). Default 32. */
  maxJsonDepth?: number;
  /** Node's whole-request timeout for slow clients, ms. Default 30 000. Handlers have their own budget (resource `timeoutMs`). */
  requestTimeoutMs?: number;
  trustProxy?: boolean | string | readonly string[];
  securityHeaders?: SecurityHeadersOptions;
  /** OpenAPI info; false disables /openapi.json and /docs. */
  openapi?: OpenApiInfo | false;
  now?: () => Date;
}

/**
 * Builds a Fastify app with Millrace's HTTP defaults; add resources with `registerResources(app, router)` and
 * plain routes (health, metrics) with `app.get(...)` as usual.
 * @example const app = await createHttpApp({ log, authenticators: [jwt], throttles: [perIp({ rate: '600/min' })], csrfSecret })
 */
export async function createHttpApp(options: HttpAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.log ? { loggerInstance: options.log } : {}),
    bodyLimit: options.bodyLimit ?? 1_048_576,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    trustProxy: (options.trustProxy ?? false) as boolean,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  const now = options.now ?? (() => new Date());
  installErrorHandling(app);
  installJsonBody(app, { maxDepth: options.maxJsonDepth ?? 32 });
  installSecurityHeaders(app, options.securityHeaders);
  await app.register(cookie);
  if (options.cors) {
    await app.register(cors, {
      origin: [...options.cors.origins],
      credentials: options.cors.credentials ?? true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'x-csrf-token'],
      exposedHeaders: ['location', 'retry-after'],
      maxAge: 600,
    });
  }

  app.decorateRequest('principal', null);
  const authenticators = options.authenticators ?? [];
  const throttles = options.throttles ?? [];
  app.addHook('onRequest', async (req) => {
    req.principal = await authenticate(authenticators, req);
    if (throttles.length > 0) {
      const d = await checkThrottles(throttles, contextOf(req, 'request', now()), now().getTime());
      if (!d.allowed) throw new MillraceError('throttled', httpCodes.throttled, 'too many requests', { details: { retryAfterSeconds: d.retryAfterMs / 1000 } });
    }
  });
  if (options.csrfSecret) installCsrf(app, { ...options.csrf, secret: options.csrfSecret });
  else app.addHook('onRequest', async (req) => {
    // without a secret there is no CSRF defence, so cookie-carrying writes are refused rather than trusted
    if (needsCsrf(req) && needsAppCsrf(req)) throw new MillraceError('forbidden', httpCodes.csrf, 'cookie-authenticated writes need CSRF protection (csrfSecret)');
  });

  if (options.openapi !== false) {
    const info = { ...options.openapi, ...(options.csrf?.sessionCookie ? { sessionCookie: options.csrf.sessionCookie } : {}) };
    let doc: unknown;
    app.get('/openapi.json', async () => (doc ??= openApiDocument(registeredResources(app), info)));
    installDocs(app, { specUrl: '/openapi.json' });
  }
  return app;
}
