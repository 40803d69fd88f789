// API keys for machine clients: `mr_<prefix>_<secret>` shown once, stored hashed, scoped, revocable.
import { randomBytes } from 'node:crypto';
import { MillraceError, uuidv7, type Outbox } from '@millrace/platform';
import type { Authenticator, Principal } from '@millrace/platform';
import { identityCodes, unauthenticated } from './errors.ts';
import { randomSecret, sameDigest, sha256 } from './secrets.ts';
import { apiKeys, type ApiKeyRow } from './store.ts';

export interface PublicApiKey {
  readonly id: string;
  readonly prefix: string;
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

const toPublic = (k: ApiKeyRow): PublicApiKey => ({
  id: k.id, prefix: k.prefix, ownerId: k.owner_id, name: k.name, scopes: k.scopes,
  createdAt: k.created_at.toISOString(), revokedAt: k.revoked_at?.toISOString() ?? null, lastUsedAt: k.last_used_at?.toISOString() ?? null,
});

/** Who may create API keys: operators and admins (a customer key could do nothing a customer token cannot). */
const MAY_CREATE = new Set(['admin', 'operator']);

/**
 * API key use cases.
 * @example const { secret } = await keys.create(admin, { name: 'plant-7 gateway', scopes: ['telemetry:write'] })
 */
export class ApiKeys {
  readonly #outbox: Outbox;
  readonly #now: () => Date;

  constructor(outbox: Outbox, now: () => Date) {
    this.#outbox = outbox;
    this.#now = now;
  }

  async create(actor: Principal, input: { name: string; scopes: string[] }): Promise<{ key: PublicApiKey; secret: string }> {
    if (actor.kind !== 'user' || !actor.roles.some((r) => MAY_CREATE.has(r))) {
      throw new MillraceError('forbidden', identityCodes.forbidden, 'only operators and admins may create API keys');
    }
    const prefix = randomBytes(6).toString('hex'); // lookup handle, public (shown in lists and events)
    const secret = randomSecret();
    const t = this.#now();
    const row = { id: uuidv7(), prefix, secret_hash: sha256(secret), owner_id: actor.id, name: input.name, scopes: [...new Set(input.scopes)], created_at: t };
    await this.#outbox.transaction(async (tx) => {
      await apiKeys.insert(tx.db, row);
      tx.publish({ type: 'identity.api-key-created', key: row.id, data: { keyId: row.id, ownerId: actor.id, name: row.name, prefix, scopes: row.scopes } });
    });
    return { key: toPublic({ ...row, revoked_at: null, last_used_at: null }), secret: `mr_${prefix}_${secret}` };
  }

  async list(actor: Principal): Promise<PublicApiKey[]> {
    return (await apiKeys.listByOwner(this.#outbox.database.kysely, actor.id)).map(toPublic);
  }

  /** The owner or an admin revokes; revoking twice is a no-op. */
  async revoke(actor: Principal, id: string): Promise<void> {
    await this.#outbox.transaction(async (tx) => {
      const key = await apiKeys.byId(tx.db, id);
      if (!key) throw new MillraceError('not-found', identityCodes.apiKeyNotFound, `no API key ${id}`);
      if (actor.kind !== 'user' || (key.owner_id !== actor.id && !actor.roles.includes('admin'))) {
        throw new MillraceError('forbidden', identityCodes.forbidden, 'only the owner or an admin may revoke this key');
      }
      if (key.revoked_at) return;
      await apiKeys.revoke(tx.db, id, this.#now());
      tx.publish({ type: 'identity.api-key-revoked', key: id, data: { keyId: id, ownerId: key.owner_id, revokedBy: actor.id } });
    });
  }
}

/** Splits `mr_<prefix>_<secret>`; the prefix is 12 hex characters, the secret base64url (which may contain `_`). */
export function parseApiKey(value: string): { prefix: string; secret: string } | undefined {
  const m = /^mr_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$/.exec(value);
  return m ? { prefix: m[1]!, secret: m[2]! } : undefined;
}

/**
 * Authenticates `x-api-key: mr_...` or `Authorization: ApiKey mr_...` into a `kind: 'api-key'` principal.
 * last_used_at is written at most once a minute per key, so a busy client does not turn reads into writes.
 * @example const auth = createApiKeyAuthenticator({ outbox, now: () => new Date() })
 */
export function createApiKeyAuthenticator(deps: { outbox: Outbox; now?: () => Date }): Authenticator {
  const now = deps.now ?? (() => new Date());
  const db = deps.outbox.database.kysely;
  return {
    async authenticate(req) {
      const header = first(req.headers['x-api-key']) ?? /^ApiKey\s+(\S+)\s*$/i.exec(first(req.headers.authorization) ?? '')?.[1];
      if (header === undefined) return null;
      const parsed = parseApiKey(header.trim());
      if (!parsed) throw unauthenticated(identityCodes.apiKeyInvalid, 'malformed API key');
      const key = await apiKeys.byPrefix(db, parsed.prefix);
      if (!key || !sameDigest(key.secret_hash, sha256(parsed.secret)) || key.revoked_at) {
        throw unauthenticated(identityCodes.apiKeyInvalid, 'API key is invalid or revoked');
      }
      const t = now();
      if (!key.last_used_at || t.getTime() - key.last_used_at.getTime() >= 60_000) await apiKeys.touch(db, key.id, t);
      const principal: Principal = { kind: 'api-key', id: key.owner_id, roles: [], scopes: key.scopes, credentialId: key.id };
      return principal;
    },
  };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
