// Identity's HTTP resources under /api/identity, plus the JWKS at /.well-known/jwks.json.
import { MillraceError } from '@millrace/platform';
import type { Authenticator, Principal } from '@millrace/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Accounts } from './accounts.ts';
import type { ApiKeys } from './api-keys.ts';
import type { IdentityConfig } from './config.ts';
import { ROLES } from './contract.ts';
import { identityCodes } from './errors.ts';
import { CSRF_COOKIE, SESSION_COOKIE, clearedSessionCookies, requestCookies, sessionCookies } from './sessions.ts';
import type { PublicKeySource, SigningKeyStore } from './signing-keys.ts';

export interface IdentityRouteDeps {
  readonly accounts: Accounts;
  readonly apiKeys: ApiKeys;
  readonly keys: PublicKeySource & Pick<SigningKeyStore, 'rotate'>;
  /** Tried in order; the first that recognizes its credentials wins (JWT, session, API key). */
  readonly authenticators: readonly Authenticator[];
  /** The session authenticator alone, for logout (CSRF-checked). */
  readonly sessionAuthenticator: Authenticator;
  readonly config: IdentityConfig;
}

const email = z.string().trim().email().max(320);
// 12+ characters (NIST 800-63B: length over composition rules); 256 max keeps argon2 input bounded
const password = z.string().min(12).max(256);
const scope = z.string().regex(/^[a-z][a-z0-9-]*:[a-z*][a-z0-9-*]*$/, 'scope is <resource>:<action>');

const bodies = {
  register: z.object({ email, password }),
  login: z.object({ email, password: z.string().min(1).max(256), mode: z.enum(['token', 'session']).default('token') }),
  refresh: z.object({ refreshToken: z.string().min(1).max(200) }),
  logout: z.object({ refreshToken: z.string().min(1).max(200).optional() }).default({}),
  role: z.object({ role: z.enum(ROLES) }),
  apiKey: z.object({ name: z.string().trim().min(1).max(100), scopes: z.array(scope).min(1).max(50) }),
  id: z.object({ id: z.string().min(1).max(64) }),
};

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? undefined);
  if (r.success) return r.data;
  const message = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new MillraceError('validation', identityCodes.validation, message, { details: r.error.issues });
}

/**
 * Registers the identity routes. Errors are thrown as MillraceError; the app's error handler renders them.
 * @example await app.register(identityRoutes, deps)
 */
export async function identityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): Promise<void> {
  const { accounts, apiKeys, config } = deps;

  // the platform's cookie plugin, when registered, fills req.cookies; requestCookies falls back to the header
  const viewOf = (req: FastifyRequest) => {
    const withCookies = req as FastifyRequest & { cookies?: Record<string, string | undefined> };
    return { headers: req.headers, cookies: requestCookies({ headers: req.headers, ...(withCookies.cookies ? { cookies: withCookies.cookies } : {}) }), method: req.method };
  };

  async function authenticate(req: FastifyRequest): Promise<Principal> {
    const view = viewOf(req);
    for (const a of deps.authenticators) {
      const p = await a.authenticate(view);
      if (p) return p;
    }
    throw new MillraceError('unauthenticated', identityCodes.tokenMissing, 'authentication required');
  }
  const secure = (req: FastifyRequest) => config.secureCookies === 'always' || (config.secureCookies === 'auto' && req.protocol === 'https');
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.get('/.well-known/jwks.json', async (_req, reply) => {
    // verifiers may cache for at most the time a new key is published before it signs
    reply.header('cache-control', `public, max-age=${Math.min(300, config.jwksCacheSeconds)}`);
    return deps.keys.publicJwks();
  });

  app.post('/api/identity/register', async (req, reply) => {
    const user = await accounts.register(parse(bodies.register, req.body));
    return reply.code(201).send(user);
  });

  app.post('/api/identity/login', async (req, reply) => {
    const body = parse(bodies.login, req.body);
    const result = await accounts.login({ ...body, ip: req.ip });
    noStore(reply);
    if (result.mode === 'token') return { user: result.user, ...result.tokens };
    reply.header('set-cookie', sessionCookies(result.session, secure(req)));
    return { user: result.user, csrfToken: result.session.csrfToken, expiresAt: result.session.expiresAt.toISOString() };
  });

  app.post('/api/identity/refresh', async (req, reply) => {
    const tokens = await accounts.refresh({ ...parse(bodies.refresh, req.body), ip: req.ip });
    noStore(reply);
    return tokens;
  });

  app.post('/api/identity/logout', async (req, reply) => {
    const { refreshToken } = parse(bodies.logout, req.body);
    const view = viewOf(req);
    const cookies = view.cookies;
    let sessionToken: string | undefined;
    if (cookies[SESSION_COOKIE]) {
      try {
        // CSRF-checked: a cross-site page must not be able to end the session either
        if (await deps.sessionAuthenticator.authenticate(view)) sessionToken = cookies[SESSION_COOKIE];
      } catch (err) {
        if (!(err instanceof MillraceError && err.kind === 'unauthenticated')) throw err;
      }
      reply.header('set-cookie', clearedSessionCookies(secure(req)));
    }
    await accounts.logout({ refreshToken, sessionToken });
    return reply.code(204).send();
  });

  app.get('/api/identity/me', async (req) => {
    const principal = await authenticate(req);
    if (principal.kind === 'api-key') return { kind: principal.kind, ownerId: principal.id, keyId: principal.credentialId, scopes: principal.scopes };
    const user = await accounts.me(principal);
    if (!user) throw new MillraceError('unauthenticated', identityCodes.tokenInvalid, 'the account no longer exists');
    return { kind: principal.kind, ...user };
  });

  app.put('/api/identity/users/:id/role', async (req) => {
    const principal = await authenticate(req);
    const { id } = parse(bodies.id, req.params);
    return accounts.changeRole(principal, id, parse(bodies.role, req.body).role);
  });

  app.post('/api/identity/api-keys', async (req, reply) => {
    const principal = await authenticate(req);
    const created = await apiKeys.create(principal, parse(bodies.apiKey, req.body));
    noStore(reply);
    return reply.code(201).send({ ...created.key, secret: created.secret });
  });

  app.get('/api/identity/api-keys', async (req) => ({ items: await apiKeys.list(await authenticate(req)) }));

  app.delete('/api/identity/api-keys/:id', async (req, reply) => {
    const principal = await authenticate(req);
    await apiKeys.revoke(principal, parse(bodies.id, req.params).id);
    return reply.code(204).send();
  });

  app.post('/api/identity/signing-keys/rotate', async (req) => {
    const principal = await authenticate(req);
    if (principal.kind !== 'user' || !principal.roles.includes('admin')) {
      throw new MillraceError('forbidden', identityCodes.forbidden, 'only an admin may rotate signing keys');
    }
    return deps.keys.rotate();
  });
}

export { CSRF_COOKIE, SESSION_COOKIE };
