// Ledger's tables (schema `ledger`): rows in, rows out, bigint as text on the wire. Nobody else touches them.
import { migrate, sql, type Database } from '@millrace/platform';
import type { AccountView, StatementLine, SystemRole, TransferKind, TransferResult, TransferStatus } from './contract.ts';
import { available, type AccountState, type JournalEntry } from './domain.ts';
import { DEFAULT_RULES, EMPTY_PROFILE, type RiskProfile, type RuleDefinition, type RuleName } from './fraud.ts';
import { init } from './migrations/0001_init.ts';

export const LEDGER_SCHEMA = 'ledger';

/** A Kysely handle: the database itself or an open transaction (`tx.db`). */
export type Executor = Database['kysely'];

/** Creates or upgrades the ledger schema and seeds version 1 of every fraud rule. Safe at every start. */
export async function migrateLedger(db: Database, now: Date): Promise<void> {
  await migrate(db, LEDGER_SCHEMA, { '0001_init': init });
  for (const r of DEFAULT_RULES) {
    await sql`insert into ledger.fraud_rules (rule, version, enabled, params, created_at, created_by)
      values (${r.rule}, ${r.version}, ${r.enabled}, ${JSON.stringify(r.params)}::jsonb, ${now}, 'system')
      on conflict do nothing`.execute(db.kysely);
  }
}

const ACCOUNT_COLUMNS = sql`id, owner_id, currency, kind, role, overdraft_limit::text, max_balance::text, balance::text,
  pending_debits::text, pending_credits::text, version::text`;

interface AccountRow {
  id: string; owner_id: string; currency: string; kind: 'user' | 'system'; role: SystemRole | null;
  overdraft_limit: string | null; max_balance: string | null; balance: string; pending_debits: string; pending_credits: string; version: string;
}

const big = (s: string | null) => (s === null ? null : BigInt(s));

export function toState(r: AccountRow): AccountState {
  return {
    id: r.id, ownerId: r.owner_id, currency: r.currency, kind: r.kind,
    overdraftLimit: big(r.overdraft_limit), maxBalance: big(r.max_balance),
    balance: BigInt(r.balance), pendingDebits: BigInt(r.pending_debits), pendingCredits: BigInt(r.pending_credits), version: BigInt(r.version),
  };
}

export function toView(s: AccountState): AccountView {
  return {
    id: s.id, ownerId: s.ownerId, currency: s.currency, kind: s.kind, balance: s.balance, pendingDebits: s.pendingDebits,
    pendingCredits: s.pendingCredits, available: available(s), overdraftLimit: s.overdraftLimit, version: s.version,
  };
}

export interface NewAccount {
  id: string; ownerId: string; currency: string; kind: 'user' | 'system'; role: SystemRole | null;
  overdraftLimit: bigint | null; maxBalance: bigint | null; createdAt: Date;
}

export const accounts = {
  /** Inserts unless an account of that owner+currency (user) or role+currency (system) exists; returns whichever is stored. */
  async open(ex: Executor, a: NewAccount): Promise<{ account: AccountState; created: boolean }> {
    const { rows } = await sql<{ id: string }>`
      insert into ledger.accounts (id, owner_id, currency, kind, role, overdraft_limit, max_balance, created_at)
      values (${a.id}, ${a.ownerId}, ${a.currency}, ${a.kind}, ${a.role}, ${a.overdraftLimit?.toString() ?? null}::bigint,
              ${a.maxBalance?.toString() ?? null}::bigint, ${a.createdAt})
      on conflict do nothing returning id`.execute(ex);
    const stored = a.kind === 'user' ? await accounts.userAccount(ex, a.ownerId, a.currency) : await accounts.system(ex, a.role!, a.currency);
    return { account: stored!, created: rows.length > 0 };
  },
  async byIds(ex: Executor, ids: readonly string[]): Promise<AccountState[]> {
    if (ids.length === 0) return [];
    const { rows } = await sql<AccountRow>`select ${ACCOUNT_COLUMNS} from ledger.accounts where id = any(${[...ids]}::text[])`.execute(ex);
    return rows.map(toState);
  },
  async byOwner(ex: Executor, ownerId: string): Promise<AccountState[]> {
    const { rows } = await sql<AccountRow>`select ${ACCOUNT_COLUMNS} from ledger.accounts where owner_id = ${ownerId} order by currency, id`.execute(ex);
    return rows.map(toState);
  },
  async userAccount(ex: Executor, ownerId: string, currency: string): Promise<AccountState | undefined> {
    const { rows } = await sql<AccountRow>`select ${ACCOUNT_COLUMNS} from ledger.accounts where kind = 'user' and owner_id = ${ownerId} and currency = ${currency}`.execute(ex);
    return rows[0] && toState(rows[0]);
  },
  async system(ex: Executor, role: SystemRole, currency: string): Promise<AccountState | undefined> {
    const { rows } = await sql<AccountRow>`select ${ACCOUNT_COLUMNS} from ledger.accounts where kind = 'system' and role = ${role} and currency = ${currency}`.execute(ex);
    return rows[0] && toState(rows[0]);
  },
  /** Writes new states; a row whose version moved since it was read is a conflict (0 rows for it). */
  async write(ex: Executor, states: ReadonlyArray<{ next: AccountState; expectedVersion: bigint }>): Promise<number> {
    if (states.length === 0) return 0;
    const sorted = [...states].sort((a, b) => (a.next.id < b.next.id ? -1 : 1)); // one lock order: no deadlocks between writers
    const r = await sql`
      update ledger.accounts a set balance = v.balance, pending_debits = v.pd, pending_credits = v.pc, version = v.version
      from unnest(${sorted.map((s) => s.next.id)}::text[], ${sorted.map((s) => s.next.balance.toString())}::bigint[],
                  ${sorted.map((s) => s.next.pendingDebits.toString())}::bigint[], ${sorted.map((s) => s.next.pendingCredits.toString())}::bigint[],
                  ${sorted.map((s) => s.next.version.toString())}::bigint[], ${sorted.map((s) => s.expectedVersion.toString())}::bigint[])
        as v(id, balance, pd, pc, version, expected)
      where a.id = v.id and a.version = v.expected`.execute(ex);
    return Number(r.numAffectedRows ?? 0n);
  },
};

export interface TransferRow {
  id: string; kind: TransferKind; debitAccountId: string; creditAccountId: string; amount: bigint; currency: string;
  status: TransferStatus; reason: string | null; expiresAt: Date | null; initiatedBy: string | null; createdAt: Date; updatedAt: Date;
}

interface TransferDbRow {
  id: string; kind: TransferKind; debit_account_id: string; credit_account_id: string; amount: string; currency: string;
  status: TransferStatus; reason: string | null; expires_at: Date | null; initiated_by: string | null; created_at: Date; updated_at: Date;
}

const toTransfer = (r: TransferDbRow): TransferRow => ({
  id: r.id, kind: r.kind, debitAccountId: r.debit_account_id, creditAccountId: r.credit_account_id, amount: BigInt(r.amount),
  currency: r.currency, status: r.status, reason: r.reason, expiresAt: r.expires_at, initiatedBy: r.initiated_by, createdAt: r.created_at, updatedAt: r.updated_at,
});

export const resultOf = (t: TransferRow, replayed: boolean): TransferResult => ({
  id: t.id, status: t.status, kind: t.kind, debitAccountId: t.debitAccountId, creditAccountId: t.creditAccountId,
  amount: t.amount, currency: t.currency, reason: t.reason, replayed,
});

const TRANSFER_COLUMNS = sql`id, kind, debit_account_id, credit_account_id, amount::text, currency, status, reason, expires_at, initiated_by, created_at, updated_at`;

export const transfers = {
  async byIds(ex: Executor, ids: readonly string[]): Promise<TransferRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await sql<TransferDbRow>`select ${TRANSFER_COLUMNS} from ledger.transfers where id = any(${[...ids]}::text[])`.execute(ex);
    return rows.map(toTransfer);
  },
  async insert(ex: Executor, rows: readonly TransferRow[]): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      insert into ledger.transfers (id, kind, debit_account_id, credit_account_id, amount, currency, status, reason, expires_at, initiated_by, created_at, updated_at)
      select * from unnest(${rows.map((t) => t.id)}::text[], ${rows.map((t) => t.kind)}::text[], ${rows.map((t) => t.debitAccountId)}::text[],
        ${rows.map((t) => t.creditAccountId)}::text[], ${rows.map((t) => t.amount.toString())}::bigint[], ${rows.map((t) => t.currency)}::text[],
        ${rows.map((t) => t.status)}::text[], ${rows.map((t) => t.reason)}::text[], ${rows.map((t) => t.expiresAt?.toISOString() ?? null)}::timestamptz[],
        ${rows.map((t) => t.initiatedBy)}::text[], ${rows.map((t) => t.createdAt.toISOString())}::timestamptz[], ${rows.map((t) => t.updatedAt.toISOString())}::timestamptz[])`.execute(ex);
  },
  async updateStatus(ex: Executor, rows: readonly TransferRow[]): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      update ledger.transfers t set status = v.status, reason = v.reason, updated_at = v.updated_at
      from unnest(${rows.map((t) => t.id)}::text[], ${rows.map((t) => t.status)}::text[], ${rows.map((t) => t.reason)}::text[],
                  ${rows.map((t) => t.updatedAt.toISOString())}::timestamptz[]) as v(id, status, reason, updated_at)
      where t.id = v.id`.execute(ex);
  },
  async expiredIds(ex: Executor, now: Date, limit: number): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`select id from ledger.transfers where status = 'pending' and expires_at <= ${now} order by expires_at limit ${limit}`.execute(ex);
    return rows.map((r) => r.id);
  },
};

export const journal = {
  async head(ex: Executor, lock: boolean): Promise<{ seq: bigint; hash: string }> {
    const { rows } = lock
      ? await sql<{ seq: string; hash: string }>`select seq::text, hash from ledger.chain_head for update`.execute(ex)
      : await sql<{ seq: string; hash: string }>`select seq::text, hash from ledger.chain_head`.execute(ex);
    return { seq: BigInt(rows[0]!.seq), hash: rows[0]!.hash };
  },
  async append(ex: Executor, entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await sql`
      insert into ledger.journal (seq, entry, transfer_id, kind, debit_account_id, credit_account_id, amount, currency, at, prev_hash, hash)
      select * from unnest(${entries.map((e) => e.seq.toString())}::bigint[], ${entries.map((e) => e.entry)}::text[], ${entries.map((e) => e.transferId)}::text[],
        ${entries.map((e) => e.kind)}::text[], ${entries.map((e) => e.debitAccountId)}::text[], ${entries.map((e) => e.creditAccountId)}::text[],
        ${entries.map((e) => e.amount.toString())}::bigint[], ${entries.map((e) => e.currency)}::text[], ${entries.map((e) => e.at.toISOString())}::timestamptz[],
        ${entries.map((e) => e.prevHash)}::text[], ${entries.map((e) => e.hash)}::text[])`.execute(ex);
    const last = entries[entries.length - 1]!;
    await sql`update ledger.chain_head set seq = ${last.seq.toString()}::bigint, hash = ${last.hash}`.execute(ex);
  },
  /** Entries after `afterSeq`, in order, a page at a time. */
  async page(ex: Executor, afterSeq: bigint, limit: number): Promise<JournalEntry[]> {
    const { rows } = await sql<{ seq: string; entry: JournalEntry['entry']; transfer_id: string; kind: TransferKind; debit_account_id: string; credit_account_id: string; amount: string; currency: string; at: Date; prev_hash: string; hash: string }>`
      select seq::text, entry, transfer_id, kind, debit_account_id, credit_account_id, amount::text, currency, at, prev_hash, hash
      from ledger.journal j where j.seq > ${afterSeq.toString()}::bigint order by j.seq limit ${limit} -- qualified: the text alias would sort lexicographically`.execute(ex);
    return rows.map((r) => ({
      seq: BigInt(r.seq), entry: r.entry, transferId: r.transfer_id, kind: r.kind, debitAccountId: r.debit_account_id, creditAccountId: r.credit_account_id,
      amount: BigInt(r.amount), currency: r.currency, at: new Date(r.at), prevHash: r.prev_hash, hash: r.hash,
    }));
  },
};

export interface StatementRow {
  accountId: string; seq: bigint; transferId: string; kind: TransferKind; amount: bigint; balance: bigint; counterpartyAccountId: string; postedAt: Date;
}

/** Statement lines of `table` (the live projection or a rebuild). */
export async function insertStatementLines(ex: Executor, rows: readonly StatementRow[], table = 'ledger.statement_lines'): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into ${sql.table(table)} (account_id, seq, transfer_id, kind, amount, balance, counterparty_account_id, posted_at)
    select * from unnest(${rows.map((r) => r.accountId)}::text[], ${rows.map((r) => r.seq.toString())}::bigint[], ${rows.map((r) => r.transferId)}::text[],
      ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.amount.toString())}::bigint[], ${rows.map((r) => r.balance.toString())}::bigint[],
      ${rows.map((r) => r.counterpartyAccountId)}::text[], ${rows.map((r) => r.postedAt.toISOString())}::timestamptz[])`.execute(ex);
}

export const statements = {
  async page(ex: Executor, accountId: string, afterSeq: bigint, limit: number): Promise<StatementLine[]> {
    const { rows } = await sql<{ seq: string; transfer_id: string; kind: TransferKind; amount: string; balance: string; counterparty_account_id: string; posted_at: Date }>`
      select seq::text, transfer_id, kind, amount::text, balance::text, counterparty_account_id, posted_at from ledger.statement_lines l
      where l.account_id = ${accountId} and l.seq > ${afterSeq.toString()}::bigint order by l.seq limit ${limit}`.execute(ex);
    return rows.map((r) => ({
      seq: BigInt(r.seq), transferId: r.transfer_id, kind: r.kind, amount: BigInt(r.amount), balance: BigInt(r.balance),
      counterpartyAccountId: r.counterparty_account_id, postedAt: new Date(r.posted_at),
    }));
  },
  async balanceAt(ex: Executor, accountId: string, at: Date): Promise<bigint> {
    const { rows } = await sql<{ balance: string }>`
      select l.balance::text from ledger.statement_lines l where l.account_id = ${accountId} and l.posted_at <= ${at} order by l.seq desc limit 1`.execute(ex);
    return rows[0] ? BigInt(rows[0].balance) : 0n;
  },
};

export const fraudStore = {
  /** The newest version of every rule. */
  async rules(ex: Executor): Promise<RuleDefinition[]> {
    const { rows } = await sql<{ rule: RuleName; version: number; enabled: boolean; params: Record<string, number> }>`
      select distinct on (rule) rule, version, enabled, params from ledger.fraud_rules order by rule, version desc`.execute(ex);
    return rows.map((r) => ({ rule: r.rule, version: r.version, enabled: r.enabled, params: typeof r.params === 'string' ? JSON.parse(r.params) : r.params }));
  },
  async addVersion(ex: Executor, r: RuleDefinition, by: string, now: Date): Promise<void> {
    await sql`insert into ledger.fraud_rules (rule, version, enabled, params, created_at, created_by)
      values (${r.rule}, ${r.version}, ${r.enabled}, ${JSON.stringify(r.params)}::jsonb, ${now}, ${by})`.execute(ex);
  },
  async profiles(ex: Executor, accountIds: readonly string[]): Promise<Map<string, RiskProfile>> {
    const out = new Map<string, RiskProfile>();
    if (accountIds.length === 0) return out;
    const { rows } = await sql<{ account_id: string; profile: string }>`
      select account_id, profile::text from ledger.risk_profiles where account_id = any(${[...accountIds]}::text[])`.execute(ex);
    for (const r of rows) out.set(r.account_id, { ...EMPTY_PROFILE, ...(JSON.parse(r.profile) as RiskProfile) });
    return out;
  },
  async saveProfiles(ex: Executor, profiles: ReadonlyMap<string, RiskProfile>): Promise<void> {
    if (profiles.size === 0) return;
    await sql`
      insert into ledger.risk_profiles (account_id, profile)
      select id, p::jsonb from unnest(${[...profiles.keys()]}::text[], ${[...profiles.values()].map((p) => JSON.stringify(p))}::text[]) as v(id, p)
      on conflict (account_id) do update set profile = excluded.profile`.execute(ex);
  },
  /** Which (account, counterparty) pairs have been paid before. Keys are `account|counterparty`. */
  async knownPairs(ex: Executor, pairs: ReadonlyArray<readonly [string, string]>): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const { rows } = await sql<{ a: string; c: string }>`
      select k.account_id as a, k.counterparty_id as c from ledger.counterparties k
      join unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as v(a, c) on k.account_id = v.a and k.counterparty_id = v.c`.execute(ex);
    return new Set(rows.map((r) => `${r.a}|${r.c}`));
  },
  async addPairs(ex: Executor, pairs: ReadonlyArray<readonly [string, string]>, at: Date): Promise<void> {
    if (pairs.length === 0) return;
    await sql`insert into ledger.counterparties (account_id, counterparty_id, first_paid_at)
      select a, c, ${at} from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as v(a, c) on conflict do nothing`.execute(ex);
  },
  async credentialChanges(ex: Executor, ownerIds: readonly string[]): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    if (ownerIds.length === 0) return out;
    const { rows } = await sql<{ owner_id: string; changed_at: Date }>`
      select owner_id, changed_at from ledger.credential_changes where owner_id = any(${[...ownerIds]}::text[])`.execute(ex);
    for (const r of rows) out.set(r.owner_id, new Date(r.changed_at));
    return out;
  },
  async recordCredentialChange(ex: Executor, ownerId: string, at: Date): Promise<void> {
    await sql`insert into ledger.credential_changes (owner_id, changed_at) values (${ownerId}, ${at})
      on conflict (owner_id) do update set changed_at = greatest(ledger.credential_changes.changed_at, excluded.changed_at)`.execute(ex);
  },
};
