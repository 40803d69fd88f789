// identity schema, first version: users, refresh token families, console sessions, API keys, signing keys.
import { sql, type Migration } from '@millrace/platform';

export const init: Migration = {
  async up(db) {
    await sql`
      create table identity.users (
        id text primary key,
        email text not null unique,
        password_hash text not null,
        role text not null check (role in ('admin', 'operator', 'customer')),
        created_at timestamptz not null,
        updated_at timestamptz not null
      )`.execute(db);
    // a single row, claimed by the first registration: the race-free "first user becomes admin"
    await sql`
      create table identity.admin_bootstrap (
        id boolean primary key default true check (id),
        user_id text not null,
        claimed_at timestamptz not null
      )`.execute(db);
    await sql`
      create table identity.refresh_families (
        id text primary key,
        user_id text not null references identity.users (id),
        created_at timestamptz not null,
        revoked_at timestamptz,
        revoke_reason text
      )`.execute(db);
    await sql`create index refresh_families_user on identity.refresh_families (user_id)`.execute(db);
    await sql`
      create table identity.refresh_tokens (
        id text primary key,
        family_id text not null references identity.refresh_families (id),
        token_hash text not null unique,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        used_at timestamptz,
        revoked_at timestamptz
      )`.execute(db);
    await sql`create index refresh_tokens_family on identity.refresh_tokens (family_id)`.execute(db);
    await sql`
      create table identity.sessions (
        id text primary key,
        token_hash text not null unique,
        csrf_hash text not null,
        user_id text not null references identity.users (id),
        created_at timestamptz not null,
        expires_at timestamptz not null,
        revoked_at timestamptz
      )`.execute(db);
    await sql`
      create table identity.api_keys (
        id text primary key,
        prefix text not null unique,
        secret_hash text not null,
        owner_id text not null references identity.users (id),
        name text not null,
        scopes jsonb not null,
        created_at timestamptz not null,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`.execute(db);
    await sql`
      create table identity.signing_keys (
        kid text primary key,
        state text not null check (state in ('next', 'active', 'retired')),
        public_jwk jsonb not null,
        private_key text not null,
        encrypted boolean not null,
        created_at timestamptz not null,
        activated_at timestamptz,
        retired_at timestamptz,
        remove_after timestamptz
      )`.execute(db);
    await sql`create unique index signing_keys_one_active on identity.signing_keys (state) where state in ('active', 'next')`.execute(db);
  },
};
