// ledger schema, first version: accounts (guarded by CHECK constraints), transfers, the append-only hash-chained journal, projections, fraud tables.
import { sql, type Migration } from '@millrace/platform';

export const GENESIS_HASH = '0'.repeat(64);

export const init: Migration = {
  async up(db) {
    // balance and the reservations live on the row whose CHECKs make an overdraft impossible, whatever the code does
    await sql`
      create table ledger.accounts (
        id text primary key,
        owner_id text not null,
        currency text not null check (currency ~ '^[A-Z]{3}$'),
        kind text not null check (kind in ('user', 'system')),
        role text check (role in ('cash-in', 'cash-out', 'fees', 'suspense', 'exchange')),
        overdraft_limit bigint check (overdraft_limit >= 0),
        max_balance bigint,
        balance bigint not null default 0,
        pending_debits bigint not null default 0 check (pending_debits >= 0),
        pending_credits bigint not null default 0 check (pending_credits >= 0),
        version bigint not null default 0,
        created_at timestamptz not null,
        constraint accounts_no_overdraft check (overdraft_limit is null or balance - pending_debits >= -overdraft_limit),
        constraint accounts_max_balance check (max_balance is null or balance + pending_credits <= max_balance),
        constraint accounts_role_iff_system check ((kind = 'system') = (role is not null)),
        constraint accounts_users_bounded check (kind = 'system' or overdraft_limit is not null)
      )`.execute(db);
    await sql`create unique index accounts_user_currency on ledger.accounts (owner_id, currency) where kind = 'user'`.execute(db);
    await sql`create unique index accounts_system_role on ledger.accounts (role, currency) where kind = 'system'`.execute(db);

    await sql`
      create table ledger.transfers (
        id text primary key,
        kind text not null,
        -- no foreign keys: accounts are never deleted, and the posting path checks both exist under the chain-head lock
        -- (row-by-row FK triggers were a third of the insert cost)
        debit_account_id text not null,
        credit_account_id text not null,
        amount bigint not null check (amount > 0),
        currency text not null,
        status text not null check (status in ('posted', 'pending', 'held', 'voided', 'rejected')),
        reason text,
        expires_at timestamptz,
        initiated_by text,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        check (debit_account_id <> credit_account_id)
      )`.execute(db);
    await sql`create index transfers_pending_expiry on ledger.transfers (expires_at) where status = 'pending'`.execute(db);
    await sql`create index transfers_held on ledger.transfers (created_at) where status = 'held'`.execute(db);

    // the source of truth: one row per state change, chained by hash; never updated, never deleted
    await sql`
      create table ledger.journal (
        seq bigint primary key,
        entry text not null check (entry in ('posted', 'pending', 'pending-posted', 'pending-voided')),
        transfer_id text not null,
        kind text not null,
        debit_account_id text not null,
        credit_account_id text not null,
        amount bigint not null check (amount > 0),
        currency text not null,
        at timestamptz not null,
        prev_hash text not null,
        hash text not null
      )`.execute(db);
    await sql`
      create function ledger.journal_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'ledger.journal is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
      end $$`.execute(db);
    await sql`create trigger journal_no_update before update or delete on ledger.journal for each row execute function ledger.journal_append_only()`.execute(db);
    await sql`create trigger journal_no_truncate before truncate on ledger.journal for each statement execute function ledger.journal_append_only()`.execute(db);
    // one row: the chain's tip; its row lock orders every posting batch
    await sql`
      create table ledger.chain_head (
        id boolean primary key default true check (id),
        seq bigint not null,
        hash text not null
      )`.execute(db);
    await sql`insert into ledger.chain_head (id, seq, hash) values (true, 0, ${GENESIS_HASH})`.execute(db);

    // projection: statement lines with running balance (balances are the accounts' columns)
    await sql`
      create table ledger.statement_lines (
        account_id text not null,
        seq bigint not null,
        transfer_id text not null,
        kind text not null,
        amount bigint not null,
        balance bigint not null,
        counterparty_account_id text not null,
        posted_at timestamptz not null,
        primary key (account_id, seq)
      )`.execute(db);
    // point-in-time reads walk the primary key backwards from the newest line (seq and posted_at grow together)

    // fraud: rules as versioned data, per-account rolling profiles, credential changes, decisions and the review audit trail
    await sql`
      create table ledger.fraud_rules (
        rule text not null,
        version int not null,
        enabled boolean not null,
        params jsonb not null,
        created_at timestamptz not null,
        created_by text not null,
        primary key (rule, version)
      )`.execute(db);
    await sql`create table ledger.risk_profiles (account_id text primary key, profile jsonb not null)`.execute(db);
    // who has paid whom: "new counterparty" is a lookup of the batch's pairs, not a list carried in the profile
    await sql`
      create table ledger.counterparties (
        account_id text not null,
        counterparty_id text not null,
        first_paid_at timestamptz not null,
        primary key (account_id, counterparty_id)
      )`.execute(db);
    await sql`create table ledger.credential_changes (owner_id text primary key, changed_at timestamptz not null)`.execute(db);
    await sql`
      create table ledger.fraud_decisions (
        transfer_id text primary key references ledger.transfers (id),
        owner_id text not null,
        rules jsonb not null,
        eval_micros int not null,
        decided_at timestamptz not null
      )`.execute(db);
    await sql`
      create table ledger.reviews (
        id bigserial primary key,
        transfer_id text not null references ledger.transfers (id),
        decision text not null check (decision in ('approved', 'rejected')),
        analyst_id text not null,
        note text not null,
        decided_at timestamptz not null
      )`.execute(db);
  },
};
