// The ledger's use cases: accounts, transfers (plain, pending, FX), expiry, fraud review, rules, queries, verification and replay.
import { sql, uuidv7, type Database, type Outbox } from '@millrace/platform';
import type { AccountView, FxCommand, LedgerClient, StatementLine, SystemRole, TransferCommand, TransferResult } from './contract.ts';
import { invalid, ledgerCodes, notFound } from './errors.ts';
import { checkParams, RULE_NAMES, type FiredRule, type RuleDefinition, type RuleName } from './fraud.ts';
import { FX_CREDIT_SUFFIX, Poster } from './posting.ts';
import { replayProjections, verifyChain, type ChainReport, type ReplayReport } from './replay.ts';
import { accounts, fraudStore, statements, toView, transfers } from './store.ts';

export interface LedgerOptions {
  readonly db: Database;
  readonly outbox: Outbox;
  readonly now: () => Date;
  readonly newId?: () => string;
  /** Screen withdrawals and transfers with the fraud rules. Default true. */
  readonly fraud?: boolean;
  readonly maxBatch?: number;
  readonly onFraudEval?: (micros: number) => void;
}

export interface HeldTransfer {
  readonly transfer: TransferResult;
  readonly ownerId: string;
  readonly rules: readonly FiredRule[];
  readonly heldAt: Date;
}

export interface ReviewRecord {
  readonly transferId: string;
  readonly decision: 'approved' | 'rejected';
  readonly analystId: string;
  readonly note: string;
  readonly decidedAt: Date;
}

const CURRENCY = /^[A-Z]{3}$/;

/**
 * The ledger: every money movement is a double-entry journal entry, posted through one serialized pipeline.
 * @example const r = await ledger.transfer({ id: 't-1', kind: 'transfer', debitAccountId: a.id, creditAccountId: b.id, amount: 250n })
 */
export class Ledger implements LedgerClient {
  readonly #db: Database;
  readonly #outbox: Outbox;
  readonly #now: () => Date;
  readonly #newId: () => string;
  readonly #poster: Poster;
  #rules: readonly RuleDefinition[] = [];

  constructor(options: LedgerOptions) {
    this.#db = options.db;
    this.#outbox = options.outbox;
    this.#now = options.now;
    this.#newId = options.newId ?? uuidv7;
    this.#poster = new Poster({
      outbox: options.outbox, now: options.now, rules: () => this.#rules, fraud: options.fraud ?? true,
      ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
      ...(options.onFraudEval ? { onFraudEval: options.onFraudEval } : {}),
    });
  }

  /** Loads the fraud rules; call at start (createLedger does) and after another process changed them. */
  async reloadRules(): Promise<readonly RuleDefinition[]> {
    this.#rules = await fraudStore.rules(this.#db.kysely);
    return this.#rules;
  }

  async openAccount(input: { ownerId: string; currency: string; overdraftLimit?: bigint; maxBalance?: bigint }): Promise<AccountView> {
    if (!CURRENCY.test(input.currency)) throw invalid('currency must be three upper-case letters (ISO 4217)');
    if ((input.overdraftLimit ?? 0n) < 0n) throw invalid('overdraftLimit must be >= 0');
    return this.#open({ id: this.#newId(), ownerId: input.ownerId, currency: input.currency, kind: 'user', role: null, overdraftLimit: input.overdraftLimit ?? 0n, maxBalance: input.maxBalance ?? null });
  }

  /** The system account of a role and currency, created on first use (id `sys:<role>:<currency>`, unbounded). */
  async systemAccount(role: SystemRole, currency: string): Promise<AccountView> {
    if (!CURRENCY.test(currency)) throw invalid('currency must be three upper-case letters (ISO 4217)');
    const existing = await accounts.system(this.#db.kysely, role, currency);
    if (existing) return toView(existing);
    return this.#open({ id: `sys:${role}:${currency}`, ownerId: 'system', currency, kind: 'system', role, overdraftLimit: null, maxBalance: null });
  }

  async #open(a: Omit<Parameters<typeof accounts.open>[1], 'createdAt'>): Promise<AccountView> {
    return this.#outbox.transaction(async (tx) => {
      const { account, created } = await accounts.open(tx.db, { ...a, createdAt: this.#now() });
      if (created) {
        tx.publish({
          type: 'ledger.account-opened', key: account.id,
          data: { accountId: account.id, ownerId: account.ownerId, currency: account.currency, kind: account.kind, overdraftLimit: account.overdraftLimit?.toString() ?? null },
        });
      }
      return toView(account);
    });
  }

  async account(id: string): Promise<AccountView | undefined> {
    const [a] = await accounts.byIds(this.#db.kysely, [id]);
    return a && toView(a);
  }

  /** Several accounts read in one statement (one snapshot). */
  async accountsById(ids: readonly string[]): Promise<AccountView[]> {
    return (await accounts.byIds(this.#db.kysely, ids)).map(toView);
  }

  async accountsOf(ownerId: string): Promise<AccountView[]> {
    return (await accounts.byOwner(this.#db.kysely, ownerId)).map(toView);
  }

  /** Posts (or reserves, with `pending`) a same-currency transfer. A repeated id returns the stored result. */
  async transfer(cmd: TransferCommand): Promise<TransferResult> {
    checkId(cmd.id);
    if (typeof cmd.amount !== 'bigint' || cmd.amount <= 0n) throw invalid('amount must be a positive bigint of minor units');
    return this.#poster.submit({ type: 'create', cmd });
  }

  /** Debits `amount` in one currency and credits `amount x rate` (rounded down) in another, through the exchange accounts. */
  async fx(cmd: FxCommand): Promise<{ debited: TransferResult; credited: TransferResult | null }> {
    checkId(cmd.id);
    const [from, to] = await Promise.all([this.account(cmd.debitAccountId), this.account(cmd.creditAccountId)]);
    if (!from || !to) throw notFound(ledgerCodes.accountNotFound, `account ${!from ? cmd.debitAccountId : cmd.creditAccountId} does not exist`);
    await Promise.all([this.systemAccount('exchange', from.currency), this.systemAccount('exchange', to.currency)]);
    const debited = await this.#poster.submit({ type: 'fx', cmd });
    const [credited] = await transfers.byIds(this.#db.kysely, [`${cmd.id}${FX_CREDIT_SUFFIX}`]);
    return { debited, credited: credited ? { ...debited, ...pick(credited), replayed: debited.replayed } : null };
  }

  /** Posts a pending transfer (voids it instead when it expired). Repeats return the result. */
  postPending(transferId: string): Promise<TransferResult> {
    return this.#poster.submit({ type: 'resolve', transferId, action: 'post', from: 'pending', reason: '' });
  }

  voidPending(transferId: string, reason = 'voided'): Promise<TransferResult> {
    return this.#poster.submit({ type: 'resolve', transferId, action: 'void', from: 'pending', reason });
  }

  /** Voids pending transfers whose expiry passed; returns how many. Run it on a timer (createLedger's sweeper). */
  async expireDue(limit = 500): Promise<number> {
    const ids = await transfers.expiredIds(this.#db.kysely, this.#now(), limit);
    const results = await Promise.allSettled(ids.map((id) => this.#poster.submit({ type: 'resolve', transferId: id, action: 'void', from: 'pending', reason: 'expired' })));
    return results.filter((r) => r.status === 'fulfilled' && r.value.status === 'voided' && !r.value.replayed).length;
  }

  /** Analyst decision on a held transfer: approve posts it, reject releases the funds. Audited (table + event). */
  review(transferId: string, decision: 'approve' | 'reject', analystId: string, note: string): Promise<TransferResult> {
    return this.#poster.submit({
      type: 'resolve', transferId, action: decision === 'approve' ? 'post' : 'void', from: 'held',
      reason: `rejected by review: ${note}`.slice(0, 500), review: { analystId, note },
    });
  }

  /** Held transfers, oldest first, a page at a time: `after` is the previous page's last `(createdAt, id)`. */
  async held(limit = 100, after?: { createdAt: string; id: string }): Promise<{ items: HeldTransfer[]; last?: { createdAt: string; id: string } }> {
    const from = after ? sql`and (t.created_at, t.id) > (${after.createdAt}::timestamptz, ${after.id})` : sql``;
    const { rows } = await sql<{ id: string; owner_id: string; rules: string; decided_at: Date; created_at: string }>`
      select t.id, d.owner_id, d.rules::text, d.decided_at, to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
      from ledger.transfers t join ledger.fraud_decisions d on d.transfer_id = t.id
      where t.status = 'held' ${from} order by t.created_at, t.id limit ${limit}`.execute(this.#db.kysely);
    const byId = new Map((await transfers.byIds(this.#db.kysely, rows.map((r) => r.id))).map((t) => [t.id, t]));
    const items = rows.map((r) => {
      const t = byId.get(r.id)!;
      return { transfer: { ...pick(t), replayed: false }, ownerId: r.owner_id, rules: JSON.parse(r.rules) as FiredRule[], heldAt: new Date(r.decided_at) };
    });
    const lastRow = rows[rows.length - 1];
    return { items, ...(rows.length === limit && lastRow ? { last: { createdAt: lastRow.created_at, id: lastRow.id } } : {}) };
  }

  async reviews(transferId: string): Promise<ReviewRecord[]> {
    const { rows } = await sql<{ transfer_id: string; decision: 'approved' | 'rejected'; analyst_id: string; note: string; decided_at: Date }>`
      select transfer_id, decision, analyst_id, note, decided_at from ledger.reviews where transfer_id = ${transferId} order by id`.execute(this.#db.kysely);
    return rows.map((r) => ({ transferId: r.transfer_id, decision: r.decision, analystId: r.analyst_id, note: r.note, decidedAt: new Date(r.decided_at) }));
  }

  async transferById(id: string): Promise<TransferResult | undefined> {
    const [t] = await transfers.byIds(this.#db.kysely, [id]);
    return t && { ...pick(t), replayed: false };
  }

  rules(): readonly RuleDefinition[] {
    return this.#rules;
  }

  /** Adds a version of a rule (new thresholds or on/off); decisions from now on name it. */
  async changeRule(rule: string, change: { params?: Record<string, number>; enabled?: boolean }, by: string): Promise<RuleDefinition> {
    if (!(RULE_NAMES as readonly string[]).includes(rule)) throw notFound(ledgerCodes.unknownRule, `no fraud rule ${rule} (known: ${RULE_NAMES.join(', ')})`);
    const name = rule as RuleName;
    const next = await this.#outbox.transaction(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext('ledger.fraud_rules'))`.execute(tx.db);
      const current = (await fraudStore.rules(tx.db)).find((r) => r.rule === name)!;
      const params = { ...current.params, ...change.params };
      const bad = checkParams(name, params);
      if (bad) throw invalid(`${rule}: ${bad}`);
      const def: RuleDefinition = { rule: name, version: current.version + 1, enabled: change.enabled ?? current.enabled, params };
      await fraudStore.addVersion(tx.db, def, by, this.#now());
      tx.publish({ type: 'ledger.fraud-rule-changed', key: rule, data: { rule, version: def.version, enabled: def.enabled, params: { ...params }, changedBy: by } });
      return def;
    });
    await this.reloadRules();
    return next;
  }

  /** Remembers that an owner's credentials changed (fed by identity's events): withdrawals soon after are screened. */
  async recordCredentialChange(ownerId: string, at: Date): Promise<void> {
    await fraudStore.recordCredentialChange(this.#db.kysely, ownerId, at);
  }

  async statement(accountId: string, page: { afterSeq?: bigint; limit: number }): Promise<StatementLine[]> {
    return statements.page(this.#db.kysely, accountId, page.afterSeq ?? 0n, page.limit);
  }

  async balanceAt(accountId: string, at: Date): Promise<bigint> {
    return statements.balanceAt(this.#db.kysely, accountId, at);
  }

  verify(): Promise<ChainReport> {
    return verifyChain(this.#db);
  }

  replay(): Promise<ReplayReport> {
    return replayProjections(this.#db);
  }

  /** Resolves when every submitted command has been decided and committed. */
  drained(): Promise<void> {
    return this.#poster.drained();
  }
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !/^[A-Za-z0-9._:\-]{1,100}$/.test(id)) throw invalid('transfer id: 1-100 characters of A-Z a-z 0-9 . _ : -');
}

const pick = (t: Awaited<ReturnType<typeof transfers.byIds>>[number]): Omit<TransferResult, 'replayed'> => ({
  id: t.id, status: t.status, kind: t.kind, debitAccountId: t.debitAccountId, creditAccountId: t.creditAccountId, amount: t.amount, currency: t.currency, reason: t.reason,
});
