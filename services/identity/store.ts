// Identity's tables (schema `identity`): rows in, rows out. Nobody else touches them.
import { migrate, type Database } from '@millrace/platform';
import type { Role } from './contract.ts';
import type { KeyState } from './domain.ts';
import { init } from './migrations/0001_init.ts';

export const IDENTITY_SCHEMA = 'identity';

/** A Kysely handle: the database itself or an open transaction (`tx.db`). */
export type Executor = Database['kysely'];

/** Creates or upgrades the identity schema. Safe at every start. */
export async function migrateIdentity(db: Database): Promise<void> {
  await migrate(db, IDENTITY_SCHEMA, { '0001_init': init });
}

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: Date;
  updated_at: Date;
}

export interface RefreshTokenRow {
  id: string;
  family_id: string;
  token_hash: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface SessionRow {
  id: string;
  token_hash: string;
  csrf_hash: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface ApiKeyRow {
  id: string;
  prefix: string;
  secret_hash: string;
  owner_id: string;
  name: string;
  scopes: string[];
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface SigningKeyRow {
  kid: string;
  state: KeyState;
  public_jwk: Record<string, unknown>;
  private_key: string;
  encrypted: boolean;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  remove_after: Date | null;
}

export const users = {
  insert: (ex: Executor, row: UserRow) => ex.insertInto('identity.users').values(row).execute(),
  byEmail: (ex: Executor, email: string) =>
    ex.selectFrom('identity.users').selectAll().where('email', '=', email).executeTakeFirst() as Promise<UserRow | undefined>,
  byId: (ex: Executor, id: string, forUpdate = false) => {
    const q = ex.selectFrom('identity.users').selectAll().where('id', '=', id);
    return (forUpdate ? q.forUpdate() : q).executeTakeFirst() as Promise<UserRow | undefined>;
  },
  setPasswordHash: (ex: Executor, id: string, hash: string, now: Date) =>
    ex.updateTable('identity.users').set({ password_hash: hash, updated_at: now }).where('id', '=', id).execute(),
  setRole: (ex: Executor, id: string, role: Role, now: Date) =>
    ex.updateTable('identity.users').set({ role, updated_at: now }).where('id', '=', id).execute(),
  async countAdmins(ex: Executor): Promise<number> {
    const r = await ex.selectFrom('identity.users').select((eb) => eb.fn.countAll().as('n')).where('role', '=', 'admin').executeTakeFirst();
    return Number(r?.n ?? 0);
  },
  /** True for exactly one caller ever: the first registration claims the bootstrap row. */
  async claimBootstrap(ex: Executor, userId: string, now: Date): Promise<boolean> {
    const r = await ex
      .insertInto('identity.admin_bootstrap')
      .values({ id: true, user_id: userId, claimed_at: now })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return r !== undefined;
  },
};

export const refreshTokens = {
  insertFamily: (ex: Executor, row: { id: string; user_id: string; created_at: Date }) =>
    ex.insertInto('identity.refresh_families').values(row).execute(),
  insert: (ex: Executor, row: Omit<RefreshTokenRow, 'used_at' | 'revoked_at'>) => ex.insertInto('identity.refresh_tokens').values(row).execute(),
  /** The token with its family, row-locked so two concurrent refreshes of one token serialize. */
  byHashForUpdate: (ex: Executor, tokenHash: string) =>
    ex
      .selectFrom('identity.refresh_tokens as t')
      .innerJoin('identity.refresh_families as f', 'f.id', 't.family_id')
      .select(['t.id', 't.family_id', 't.token_hash', 't.created_at', 't.expires_at', 't.used_at', 't.revoked_at', 'f.user_id', 'f.revoked_at as family_revoked_at'])
      .where('t.token_hash', '=', tokenHash)
      .forUpdate()
      .executeTakeFirst() as Promise<(RefreshTokenRow & { user_id: string; family_revoked_at: Date | null }) | undefined>,
  markUsed: (ex: Executor, id: string, now: Date) => ex.updateTable('identity.refresh_tokens').set({ used_at: now }).where('id', '=', id).execute(),
  async revokeFamily(ex: Executor, familyId: string, reason: string, now: Date): Promise<void> {
    await ex.updateTable('identity.refresh_families').set({ revoked_at: now, revoke_reason: reason }).where('id', '=', familyId).where('revoked_at', 'is', null).execute();
    await ex.updateTable('identity.refresh_tokens').set({ revoked_at: now }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
  },
};

export const sessions = {
  insert: (ex: Executor, row: Omit<SessionRow, 'revoked_at'>) => ex.insertInto('identity.sessions').values(row).execute(),
  byHash: (ex: Executor, tokenHash: string) =>
    ex
      .selectFrom('identity.sessions as s')
      .innerJoin('identity.users as u', 'u.id', 's.user_id')
      .select(['s.id', 's.token_hash', 's.csrf_hash', 's.user_id', 's.created_at', 's.expires_at', 's.revoked_at', 'u.role'])
      .where('s.token_hash', '=', tokenHash)
      .executeTakeFirst() as Promise<(SessionRow & { role: Role }) | undefined>,
  revoke: (ex: Executor, tokenHash: string, now: Date) =>
    ex.updateTable('identity.sessions').set({ revoked_at: now }).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).returning(['id', 'user_id']).executeTakeFirst(),
};

export const apiKeys = {
  insert: (ex: Executor, row: Omit<ApiKeyRow, 'revoked_at' | 'last_used_at' | 'scopes'> & { scopes: string[] }) =>
    ex.insertInto('identity.api_keys').values({ ...row, scopes: JSON.stringify(row.scopes) }).execute(),
  byPrefix: (ex: Executor, prefix: string) =>
    ex.selectFrom('identity.api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst() as Promise<ApiKeyRow | undefined>,
  byId: (ex: Executor, id: string) =>
    ex.selectFrom('identity.api_keys').selectAll().where('id', '=', id).executeTakeFirst() as Promise<ApiKeyRow | undefined>,
  listByOwner: (ex: Executor, ownerId: string) =>
    ex.selectFrom('identity.api_keys').selectAll().where('owner_id', '=', ownerId).orderBy('created_at').execute() as Promise<ApiKeyRow[]>,
  revoke: (ex: Executor, id: string, now: Date) =>
    ex.updateTable('identity.api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute(),
  touch: (ex: Executor, id: string, now: Date) => ex.updateTable('identity.api_keys').set({ last_used_at: now }).where('id', '=', id).execute(),
};

export const signingKeys = {
  all: (ex: Executor) => ex.selectFrom('identity.signing_keys').selectAll().orderBy('created_at').execute() as Promise<SigningKeyRow[]>,
  /** Locks the key set: rotations serialize (two processes rotating at once would otherwise both promote). */
  allForUpdate: (ex: Executor) => ex.selectFrom('identity.signing_keys').selectAll().orderBy('created_at').forUpdate().execute() as Promise<SigningKeyRow[]>,
  insert: (ex: Executor, row: Omit<SigningKeyRow, 'public_jwk'> & { public_jwk: Record<string, unknown> }) =>
    ex.insertInto('identity.signing_keys').values({ ...row, public_jwk: JSON.stringify(row.public_jwk) }).execute(),
  setState: (ex: Executor, kid: string, patch: Partial<Pick<SigningKeyRow, 'state' | 'activated_at' | 'retired_at' | 'remove_after'>>) =>
    ex.updateTable('identity.signing_keys').set(patch).where('kid', '=', kid).execute(),
  remove: (ex: Executor, kids: readonly string[]) =>
    kids.length === 0 ? Promise.resolve() : ex.deleteFrom('identity.signing_keys').where('kid', 'in', [...kids]).execute().then(() => undefined),
};
