// Accounts: register, login (tokens or console session), refresh with rotation and reuse detection, logout, roles.
import { MillraceError, uuidv7, type Outbox } from '@millrace/platform';
import type { Principal } from '@millrace/platform';
import { issueAccessToken } from './access-tokens.ts';
import type { IdentityConfig } from './config.ts';
import type { Role } from './contract.ts';
import { decideRefresh, decideRoleChange, normalizeEmail, roleForNewUser } from './domain.ts';
import { identityCodes, unauthenticated } from './errors.ts';
import type { LoginGuard } from './login-guard.ts';
import type { PasswordHasher } from './passwords.ts';
import { randomSecret, sha256 } from './secrets.ts';
import type { SigningKeyStore } from './signing-keys.ts';
import { refreshTokens, sessions, users, type Executor, type UserRow } from './store.ts';

export interface AccountsDeps {
  readonly outbox: Outbox;
  readonly config: IdentityConfig;
  readonly hasher: PasswordHasher;
  readonly keys: SigningKeyStore;
  readonly guard: LoginGuard;
  readonly now: () => Date;
}

export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: string;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
}

export interface ConsoleSession {
  /** Goes into the HttpOnly session cookie; only its hash is stored. */
  readonly sessionToken: string;
  /** Goes into the JS-readable CSRF cookie; requests echo it in `x-csrf-token`. */
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

export type LoginResult = { user: PublicUser } & ({ mode: 'token'; tokens: TokenPair } | { mode: 'session'; session: ConsoleSession });

type Signer = Awaited<ReturnType<SigningKeyStore['signingKey']>>;

const toPublic = (u: UserRow): PublicUser => ({ id: u.id, email: u.email, role: u.role, createdAt: u.created_at.toISOString() });

/**
 * The account use cases. Each state change and its audit event commit in one outbox transaction.
 * @example const accounts = new Accounts(deps); await accounts.register({ email, password })
 */
export class Accounts {
  readonly #d: AccountsDeps;

  constructor(deps: AccountsDeps) {
    this.#d = deps;
  }

  async register(input: { email: string; password: string }): Promise<PublicUser> {
    const { outbox, config, hasher, now } = this.#d;
    const email = normalizeEmail(input.email);
    const passwordHash = await hasher.hash(input.password); // before the transaction: keep it short
    return outbox.transaction(async (tx) => {
      if (await users.byEmail(tx.db, email)) {
        throw new MillraceError('conflict', identityCodes.emailTaken, 'an account with this email exists');
      }
      const t = now();
      const id = uuidv7();
      const firstUserMode = config.bootstrapAdminEmail === undefined;
      const row: UserRow = { id, email, password_hash: passwordHash, role: 'customer', created_at: t, updated_at: t };
      await users.insert(tx.db, row).catch((err: unknown) => {
        // a concurrent registration of the same email won the unique index
        if ((err as { code?: string }).code === '23505') throw new MillraceError('conflict', identityCodes.emailTaken, 'an account with this email exists', { cause: err });
        throw err;
      });
      const isFirstUser = firstUserMode && (await users.claimBootstrap(tx.db, id, t));
      row.role = roleForNewUser({ email, bootstrapAdminEmail: config.bootstrapAdminEmail, isFirstUser });
      if (row.role !== 'customer') await users.setRole(tx.db, id, row.role, t);
      tx.publish({ type: 'identity.user-registered', key: id, data: { userId: id, email, role: row.role, bootstrapAdmin: row.role === 'admin' } });
      return toPublic(row);
    });
  }

  /** Checks lockout, verifies the password (a dummy hash for unknown users), rehashes when parameters rose. */
  async login(input: { email: string; password: string; ip: string; mode: 'token' | 'session' }): Promise<LoginResult> {
    const { outbox, hasher, guard, now } = this.#d;
    const email = normalizeEmail(input.email);
    const emailHash = sha256(email).slice(0, 16);

    const wait = Math.ceil((await guard.lockedFor(email, input.ip, now().getTime())) / 1000);
    if (wait > 0) {
      await outbox.transaction(async (tx) => {
        tx.publish({ type: 'identity.login-failed', key: `login:${emailHash}`, data: { userId: null, emailHash, ip: input.ip, reason: 'locked' } });
      });
      throw new MillraceError('throttled', identityCodes.loginLocked, `too many failed logins; retry in ${wait} s`, { details: { retryAfterSeconds: wait } });
    }

    const user = await users.byEmail(outbox.database.kysely, email);
    const ok = user ? await hasher.verify(user.password_hash, input.password) : (await hasher.verifyDummy(input.password), false);
    if (!user || !ok) {
      await guard.recordFailure(email, input.ip, now().getTime());
      await outbox.transaction(async (tx) => {
        tx.publish({
          type: 'identity.login-failed', key: user ? user.id : `login:${emailHash}`,
          data: { userId: user?.id ?? null, emailHash, ip: input.ip, reason: user ? 'bad-password' : 'unknown-user' },
        });
      });
      throw unauthenticated(identityCodes.invalidCredentials, 'email or password is wrong');
    }
    await guard.recordSuccess(email);

    const rehash = hasher.needsRehash(user.password_hash) ? await hasher.hash(input.password) : undefined;
    const signer = await this.#d.keys.signingKey();
    return outbox.transaction(async (tx) => {
      const t = now();
      if (rehash) await users.setPasswordHash(tx.db, user.id, rehash, t);
      tx.publish({ type: 'identity.login-succeeded', key: user.id, data: { userId: user.id, method: input.mode, ip: input.ip, passwordRehashed: !!rehash } });
      if (input.mode === 'session') return { mode: 'session' as const, user: toPublic(user), session: await this.#startSession(tx.db, user.id, t) };
      return { mode: 'token' as const, user: toPublic(user), tokens: await this.#issue(tx.db, signer, user, uuidv7(), t, true) };
    });
  }

  /** Rotates a refresh token. A token presented twice revokes its whole family (the audit event commits even though the call fails). */
  async refresh(input: { refreshToken: string; ip: string }): Promise<TokenPair> {
    const { outbox, now } = this.#d;
    // read before the transaction: PGlite has one connection, a query outside an open transaction would wait on it
    const signer = await this.#d.keys.signingKey();
    const outcome = await outbox.transaction(async (tx) => {
      const t = now();
      const row = await refreshTokens.byHashForUpdate(tx.db, sha256(input.refreshToken));
      const decision = decideRefresh(row && { expiresAt: row.expires_at, usedAt: row.used_at, revokedAt: row.revoked_at, familyRevokedAt: row.family_revoked_at }, t);
      if (decision === 'invalid' || !row) return { kind: 'invalid' as const };
      if (decision === 'reuse-detected') {
        await refreshTokens.revokeFamily(tx.db, row.family_id, 'reuse-detected', t);
        tx.publish({
          type: 'identity.refresh-token-reuse-detected', key: row.user_id,
          data: { userId: row.user_id, familyId: row.family_id, tokenId: row.id, ip: input.ip },
        });
        return { kind: 'reused' as const };
      }
      await refreshTokens.markUsed(tx.db, row.id, t);
      const user = await users.byId(tx.db, row.user_id);
      if (!user) return { kind: 'invalid' as const };
      return { kind: 'ok' as const, tokens: await this.#issue(tx.db, signer, user, row.family_id, t, false) };
    });
    if (outcome.kind === 'reused') throw unauthenticated(identityCodes.refreshReused, 'refresh token was already used; its session is revoked');
    if (outcome.kind === 'invalid') throw unauthenticated(identityCodes.refreshInvalid, 'refresh token is invalid, expired or revoked');
    return outcome.tokens;
  }

  /** Revokes the refresh token's family and/or the console session. Unknown tokens are ignored (logout is idempotent). */
  async logout(input: { refreshToken?: string | undefined; sessionToken?: string | undefined }): Promise<void> {
    const { outbox, now } = this.#d;
    await outbox.transaction(async (tx) => {
      const t = now();
      let userId: string | undefined;
      let familyId: string | null = null;
      if (input.refreshToken) {
        const row = await refreshTokens.byHashForUpdate(tx.db, sha256(input.refreshToken));
        if (row && !row.family_revoked_at) {
          await refreshTokens.revokeFamily(tx.db, row.family_id, 'logout', t);
          userId = row.user_id;
          familyId = row.family_id;
        }
      }
      const session = input.sessionToken ? await sessions.revoke(tx.db, sha256(input.sessionToken), t) : undefined;
      userId ??= session?.user_id;
      if (userId) tx.publish({ type: 'identity.logged-out', key: userId, data: { userId, familyId, sessionRevoked: !!session } });
    });
  }

  async me(principal: Principal): Promise<PublicUser | undefined> {
    const user = await users.byId(this.#d.outbox.database.kysely, principal.id);
    return user && toPublic(user);
  }

  /** Admin only. Takes effect on the user's next refresh (access tokens carry roles for their short life). */
  async changeRole(actor: Principal, userId: string, to: Role): Promise<PublicUser> {
    const { outbox, now } = this.#d;
    return outbox.transaction(async (tx) => {
      if (actor.kind !== 'user') throw new MillraceError('forbidden', identityCodes.forbidden, 'API keys cannot change roles');
      const user = await users.byId(tx.db, userId, true);
      if (!user) throw new MillraceError('not-found', identityCodes.userNotFound, `no user ${userId}`);
      const from = user.role;
      decideRoleChange({ actorRoles: actor.roles, from, to, adminCount: from === 'admin' ? await users.countAdmins(tx.db) : 0 });
      if (from === to) return toPublic(user);
      const t = now();
      await users.setRole(tx.db, userId, to, t);
      tx.publish({ type: 'identity.role-changed', key: userId, data: { userId, from, to, changedBy: actor.id } });
      return toPublic({ ...user, role: to, updated_at: t });
    });
  }

  async #issue(ex: Executor, signer: Signer, user: UserRow, familyId: string, t: Date, newFamily: boolean): Promise<TokenPair> {
    const { config } = this.#d;
    if (newFamily) await refreshTokens.insertFamily(ex, { id: familyId, user_id: user.id, created_at: t });
    const refreshToken = randomSecret();
    await refreshTokens.insert(ex, {
      id: uuidv7(), family_id: familyId, token_hash: sha256(refreshToken), created_at: t,
      expires_at: new Date(t.getTime() + config.refreshTokenTtlSeconds * 1000),
    });
    const access = await issueAccessToken({ signingKey: async () => signer }, config, { sub: user.id, roles: [user.role] }, t);
    return { accessToken: access.token, tokenType: 'Bearer', expiresIn: access.expiresIn, refreshToken };
  }

  async #startSession(ex: Executor, userId: string, t: Date): Promise<ConsoleSession> {
    const sessionToken = randomSecret();
    const csrfToken = randomSecret();
    const expiresAt = new Date(t.getTime() + this.#d.config.sessionTtlSeconds * 1000);
    await sessions.insert(ex, { id: uuidv7(), token_hash: sha256(sessionToken), csrf_hash: sha256(csrfToken), user_id: userId, created_at: t, expires_at: expiresAt });
    return { sessionToken, csrfToken, expiresAt };
  }
}
