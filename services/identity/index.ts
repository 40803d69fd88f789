// Identity wiring: tables, outbox, signing keys, use cases, authenticators and routes, from a database and a config.
import { EventRegistry, Outbox, type Database, type Metrics } from '@millrace/platform';
import type { Authenticator } from '@millrace/platform';
import type { FastifyInstance } from 'fastify';
import { Accounts } from './accounts.ts';
import { identityRoutes } from './api.ts';
import { ApiKeys, createApiKeyAuthenticator } from './api-keys.ts';
import { createJwtAuthenticator } from './access-tokens.ts';
import type { IdentityConfig } from './config.ts';
import { contract } from './contract.ts';
import { createMemoryLoginGuard, type LoginGuard } from './login-guard.ts';
import { createPasswordHasher, type PasswordHasher } from './passwords.ts';
import { createSessionAuthenticator } from './sessions.ts';
import { SigningKeyStore } from './signing-keys.ts';
import { migrateIdentity } from './store.ts';

export { contract } from './contract.ts';
export { loadIdentityConfig, identityConfig, type IdentityConfig } from './config.ts';
export { createJwtAuthenticator, issueAccessToken } from './access-tokens.ts';
export { createApiKeyAuthenticator } from './api-keys.ts';
export { createSessionAuthenticator, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './sessions.ts';
export { identityRoutes } from './api.ts';
export type { LoginGuard } from './login-guard.ts';

export interface IdentityOptions {
  readonly db: Database;
  readonly config: IdentityConfig;
  readonly now?: () => Date;
  readonly guard?: LoginGuard;
  readonly hasher?: PasswordHasher;
  /** Counts identity's events in `millrace_events_produced_total`. */
  readonly metrics?: Metrics;
}

export interface Identity {
  readonly accounts: Accounts;
  readonly apiKeys: ApiKeys;
  readonly keys: SigningKeyStore;
  readonly outbox: Outbox;
  readonly authenticators: { readonly jwt: Authenticator; readonly session: Authenticator; readonly apiKey: Authenticator };
  /** Fastify plugin with the routes, bound to this instance: `await app.register(identity.routes)`. */
  routes(app: FastifyInstance): Promise<void>;
}

/**
 * Migrates the identity schema (the platform schema must exist: createRuntime does it), makes sure a signing
 * key exists, and wires everything.
 * @example const identity = await createIdentity({ db: rt.db, config: loadIdentityConfig(process.env) }); await app.register(identity.routes)
 */
export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const { db, config } = options;
  const now = options.now ?? (() => new Date());
  await migrateIdentity(db);
  const outbox = new Outbox(db, { source: contract.source, registry: new EventRegistry([contract]), now, metrics: options.metrics });
  const keys = new SigningKeyStore(db, outbox, config, now);
  await keys.ensure();
  const guard = options.guard ?? createMemoryLoginGuard(config.login);
  const hasher = options.hasher ?? createPasswordHasher(config.argon2);
  const accounts = new Accounts({ outbox, config, hasher, keys, guard, now });
  const apiKeys = new ApiKeys(outbox, now);
  const authenticators = {
    jwt: createJwtAuthenticator({ keyStore: keys, issuer: config.issuer, audience: config.audience, now }),
    session: createSessionAuthenticator({ db, now }),
    apiKey: createApiKeyAuthenticator({ outbox, now }),
  };
  const deps = {
    accounts, apiKeys, keys, config,
    authenticators: [authenticators.jwt, authenticators.session, authenticators.apiKey],
    sessionAuthenticator: authenticators.session,
  };
  return { accounts, apiKeys, keys, outbox, authenticators, routes: (app) => identityRoutes(app, deps) };
}
