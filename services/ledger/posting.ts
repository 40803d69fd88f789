// The posting pipeline: commands queue up, and each batch is decided in memory and written in one transaction under the chain-head lock.
import { MillraceError, type Outbox, type Tx } from '@millrace/platform';
import type { FxCommand, TransferCommand, TransferResult } from './contract.ts';
import { chainHash, convert, decide, evolve, invalidity, movesBalance, type EntryKind, type JournalEntry } from './domain.ts';
import { conflict, invalid, ledgerCodes, notFound } from './errors.ts';
import { EMPTY_PROFILE, evaluate, observe, screened, type FiredRule, type MoneyEvent, type RiskProfile, type RuleDefinition } from './fraud.ts';
import { accounts, fraudStore, insertStatementLines, journal, resultOf, transfers, type StatementRow, type TransferRow } from './store.ts';
import { sql } from '@millrace/platform';

/** What the pipeline executes. `resolve` posts or voids a pending (or held) transfer. */
export type Op =
  | { readonly type: 'create'; readonly cmd: TransferCommand }
  | { readonly type: 'fx'; readonly cmd: FxCommand }
  | {
      readonly type: 'resolve'; readonly transferId: string; readonly action: 'post' | 'void'; readonly from: 'pending' | 'held';
      readonly reason: string; readonly review?: { readonly analystId: string; readonly note: string };
    };

export interface PosterOptions {
  readonly outbox: Outbox;
  readonly now: () => Date;
  /** The current fraud rules (newest version of each). */
  readonly rules: () => readonly RuleDefinition[];
  /** Screen withdrawals and transfers with the rules. Default true. */
  readonly fraud?: boolean;
  /** Most commands per transaction. Default 500. */
  readonly maxBatch?: number;
  /** Called with each fraud evaluation's duration in microseconds (the latency budget's measurement). */
  readonly onFraudEval?: (micros: number) => void;
}

/** The FX leg credited to the target account has this suffix on the command's id. */
export const FX_CREDIT_SUFFIX = '/fx-credit';

type Outcome = { ok: TransferResult } | { err: unknown };
type Queued = { op: Op; resolve: (r: TransferResult) => void; reject: (e: unknown) => void };

const VERSION_CONFLICT = 'ledger: account version moved under the batch';

/**
 * Serializes every command through one queue per process and one lock per database (the chain head), so each
 * account sees its commands one at a time; batches many commands per commit.
 * @example const r = await poster.submit({ type: 'create', cmd })
 */
export class Poster {
  readonly #o: PosterOptions;
  readonly #queue: Queued[] = [];
  #running = false;
  #idle: Array<() => void> = [];

  constructor(options: PosterOptions) {
    this.#o = options;
  }

  submit(op: Op): Promise<TransferResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  drained(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#o.maxBatch ?? 500);
        let outcomes: Outcome[];
        try {
          outcomes = await this.#run(batch.map((b) => b.op));
        } catch (err) {
          if (batch.length === 1) {
            batch[0]!.reject(err);
            continue;
          }
          // isolate: each command alone, so a command that breaks its transaction fails only its caller
          outcomes = [];
          for (const b of batch) outcomes.push(await this.#run([b.op]).then((o) => o[0]!, (e: unknown) => ({ err: e })));
        }
        batch.forEach((b, i) => {
          const o = outcomes[i]!;
          if ('ok' in o) b.resolve(o.ok);
          else b.reject(o.err);
        });
      }
    } finally {
      this.#running = false;
      for (const r of this.#idle.splice(0)) r();
    }
  }

  async #run(ops: readonly Op[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#o.outbox.transaction((tx) => this.#apply(tx, ops));
      } catch (err) {
        // another process wrote an account between our read and write: decide again on fresh state
        if (attempt < 5 && err instanceof Error && err.message === VERSION_CONFLICT) continue;
        throw err;
      }
    }
  }

  async #apply(tx: Tx, ops: readonly Op[]): Promise<Outcome[]> {
    const ex = tx.db;
    const now = this.#o.now();
    let head = await journal.head(ex, true); // every posting transaction of every process queues here

    const ids = ops.map((op) => (op.type === 'resolve' ? op.transferId : op.cmd.id));
    const known = new Map((await transfers.byIds(ex, ids)).map((t) => [t.id, t]));
    const accountIds = new Set<string>();
    for (const op of ops) {
      if (op.type === 'resolve') {
        const t = known.get(op.transferId);
        if (t) accountIds.add(t.debitAccountId).add(t.creditAccountId);
      } else accountIds.add(op.cmd.debitAccountId).add(op.cmd.creditAccountId);
    }
    const acc = new Map((await accounts.byIds(ex, [...accountIds])).map((a) => [a.id, a]));
    if (ops.some((op) => op.type === 'fx')) {
      const currencies = [...new Set([...acc.values()].map((a) => a.currency))];
      const { rows } = await sql<{ id: string }>`select id from ledger.accounts where kind = 'system' and role = 'exchange' and currency = any(${currencies}::text[])`.execute(ex);
      for (const a of await accounts.byIds(ex, rows.map((r) => r.id))) acc.set(a.id, a);
    }
    const exchangeOf = (currency: string) => [...acc.values()].find((a) => a.kind === 'system' && a.id.startsWith('sys:exchange:') && a.currency === currency);
    const original = new Map([...acc.values()].map((a) => [a.id, a.version]));

    const fraudOn = this.#o.fraud ?? true;
    const rules = this.#o.rules();
    const screenedDebits = fraudOn
      ? ops.flatMap((op) => (op.type === 'create' && screened(op.cmd.kind) && acc.get(op.cmd.debitAccountId)?.kind === 'user' ? [op.cmd.debitAccountId] : []))
      : [];
    const profiles = await fraudStore.profiles(ex, [...new Set(screenedDebits)]);
    const pairs = fraudOn
      ? ops.flatMap((op) => (op.type === 'create' && op.cmd.kind === 'transfer' && acc.get(op.cmd.debitAccountId)?.kind === 'user' ? [[op.cmd.debitAccountId, op.cmd.creditAccountId] as const] : []))
      : [];
    const knownPairs = await fraudStore.knownPairs(ex, pairs);
    const newPairs: Array<readonly [string, string]> = [];
    const credentialChanges = await fraudStore.credentialChanges(ex, [...new Set(screenedDebits.map((id) => acc.get(id)!.ownerId))]);
    const heldIds = ops.flatMap((op) => (op.type === 'resolve' && op.from === 'held' ? [op.transferId] : []));
    const heldRules = new Map<string, FiredRule[]>();
    if (heldIds.length > 0) {
      const { rows } = await sql<{ transfer_id: string; rules: string }>`select transfer_id, rules::text from ledger.fraud_decisions where transfer_id = any(${heldIds}::text[])`.execute(ex);
      for (const r of rows) heldRules.set(r.transfer_id, JSON.parse(r.rules) as FiredRule[]);
    }

    const entries: JournalEntry[] = [];
    const lines: StatementRow[] = [];
    const inserted: TransferRow[] = [];
    const updated = new Map<string, TransferRow>();
    const touchedProfiles = new Map<string, RiskProfile>();
    const decisions: Array<{ transferId: string; ownerId: string; rules: readonly FiredRule[]; micros: number }> = [];
    const reviews: Array<{ transferId: string; decision: 'approved' | 'rejected'; analystId: string; note: string }> = [];

    const append = (entry: EntryKind, t: TransferRow, amount = t.amount) => {
      const debit = acc.get(t.debitAccountId)!;
      const credit = acc.get(t.creditAccountId)!;
      const base = { seq: head.seq + 1n, entry, transferId: t.id, kind: t.kind, debitAccountId: debit.id, creditAccountId: credit.id, amount, currency: t.currency, at: now };
      const e: JournalEntry = { ...base, prevHash: head.hash, hash: chainHash(head.hash, base) };
      entries.push(e);
      head = { seq: e.seq, hash: e.hash };
      const [d, c] = evolve(debit, credit, e);
      acc.set(d.id, d);
      acc.set(c.id, c);
      if (movesBalance(entry)) {
        lines.push({ accountId: d.id, seq: e.seq, transferId: t.id, kind: t.kind, amount: -amount, balance: d.balance, counterpartyAccountId: c.id, postedAt: now });
        lines.push({ accountId: c.id, seq: e.seq, transferId: t.id, kind: t.kind, amount, balance: c.balance, counterpartyAccountId: d.id, postedAt: now });
      }
    };
    const newRow = (id: string, cmd: { kind: TransferRow['kind']; debitAccountId: string; creditAccountId: string; amount: bigint; initiatedBy?: string | undefined }, currency: string): TransferRow => ({
      id, kind: cmd.kind, debitAccountId: cmd.debitAccountId, creditAccountId: cmd.creditAccountId, amount: cmd.amount, currency,
      status: 'posted', reason: null, expiresAt: null, initiatedBy: cmd.initiatedBy ?? null, createdAt: now, updatedAt: now,
    });
    const reject = (t: TransferRow, reason: string): TransferResult => {
      t.status = 'rejected';
      t.reason = reason;
      inserted.push(t);
      known.set(t.id, t);
      tx.publish({ type: 'ledger.transfer-rejected', key: t.debitAccountId, data: { transferId: t.id, debitAccountId: t.debitAccountId, reason } });
      return resultOf(t, false);
    };

    const create = (cmd: TransferCommand): TransferResult => {
      const prior = known.get(cmd.id);
      if (prior) {
        if (prior.debitAccountId !== cmd.debitAccountId || prior.creditAccountId !== cmd.creditAccountId || prior.amount !== cmd.amount || prior.kind !== cmd.kind) {
          throw conflict(ledgerCodes.idReused, `transfer id ${cmd.id} was already used for a different transfer`);
        }
        return resultOf(prior, true);
      }
      const debit = acc.get(cmd.debitAccountId);
      const credit = acc.get(cmd.creditAccountId);
      if (!debit || !credit) throw notFound(ledgerCodes.accountNotFound, `account ${!debit ? cmd.debitAccountId : cmd.creditAccountId} does not exist`);
      const bad = invalidity(debit, credit, cmd.amount);
      if (bad) throw invalid(bad, debit.currency !== credit.currency ? ledgerCodes.currencyMismatch : ledgerCodes.validation);
      const t = newRow(cmd.id, cmd, debit.currency);
      const rejection = decide(debit, credit, cmd.amount);
      if (rejection) return reject(t, rejection);
      let held: FiredRule[] | null = null;
      if (fraudOn && debit.kind === 'user' && screened(cmd.kind)) {
        const event: MoneyEvent = { kind: cmd.kind, amount: cmd.amount, counterpartyAccountId: credit.id, at: now };
        const profile = touchedProfiles.get(debit.id) ?? profiles.get(debit.id) ?? EMPTY_PROFILE;
        const started = process.hrtime.bigint();
        const pair = `${debit.id}|${credit.id}`;
        const knownCounterparty = knownPairs.has(pair);
        const decision = evaluate(event, { profile, credentialChangedAt: credentialChanges.get(debit.ownerId) ?? null, knownCounterparty }, rules);
        const micros = Number((process.hrtime.bigint() - started) / 1000n);
        this.#o.onFraudEval?.(micros);
        touchedProfiles.set(debit.id, observe(profile, event, !knownCounterparty));
        if (!knownCounterparty && cmd.kind === 'transfer') {
          knownPairs.add(pair);
          newPairs.push([debit.id, credit.id]);
        }
        if (decision.action === 'hold') {
          held = [...decision.fired];
          decisions.push({ transferId: t.id, ownerId: debit.ownerId, rules: held, micros });
        }
      }
      if (held) {
        t.status = 'held';
        t.reason = held.map((r) => `${r.rule}@v${r.version}`).join(',');
      } else if (cmd.pending) {
        t.status = 'pending';
        t.expiresAt = cmd.pending.expiresAt;
      }
      inserted.push(t);
      known.set(t.id, t);
      append(t.status === 'posted' ? 'posted' : 'pending', t);
      if (t.status === 'held') {
        tx.publish({ type: 'ledger.transfer-held', key: debit.id, data: { transferId: t.id, debitAccountId: debit.id, ownerId: debit.ownerId, amount: t.amount.toString(), currency: t.currency, rules: held! } });
      } else if (t.status === 'pending') {
        tx.publish({ type: 'ledger.transfer-pending', key: debit.id, data: { transferId: t.id, kind: t.kind, amount: t.amount.toString(), currency: t.currency, debitAccountId: debit.id, creditAccountId: credit.id, expiresAt: t.expiresAt?.toISOString() ?? null } });
      }
      return resultOf(t, false);
    };

    const fx = (cmd: FxCommand): TransferResult => {
      const prior = known.get(cmd.id);
      if (prior) {
        if (prior.debitAccountId !== cmd.debitAccountId || prior.amount !== cmd.amount) throw conflict(ledgerCodes.idReused, `transfer id ${cmd.id} was already used for a different transfer`);
        return resultOf(prior, true);
      }
      const debit = acc.get(cmd.debitAccountId);
      const credit = acc.get(cmd.creditAccountId);
      if (!debit || !credit) throw notFound(ledgerCodes.accountNotFound, `account ${!debit ? cmd.debitAccountId : cmd.creditAccountId} does not exist`);
      if (debit.currency === credit.currency) throw invalid('an FX transfer needs two currencies; use a transfer');
      if (cmd.amount <= 0n) throw invalid('amount must be a positive integer of minor units');
      let credited: bigint;
      try {
        credited = convert(cmd.amount, cmd.rate);
      } catch (err) {
        throw invalid((err as Error).message);
      }
      if (credited <= 0n) throw invalid(`amount ${cmd.amount} at rate ${cmd.rate} credits nothing`);
      const exFrom = exchangeOf(debit.currency);
      const exTo = exchangeOf(credit.currency);
      if (!exFrom || !exTo) throw notFound(ledgerCodes.accountNotFound, `no exchange account for ${!exFrom ? debit.currency : credit.currency}`);
      const leg1 = newRow(cmd.id, { kind: 'fx', debitAccountId: debit.id, creditAccountId: exFrom.id, amount: cmd.amount }, debit.currency);
      const leg2 = newRow(`${cmd.id}${FX_CREDIT_SUFFIX}`, { kind: 'fx', debitAccountId: exTo.id, creditAccountId: credit.id, amount: credited }, credit.currency);
      const rejection = decide(debit, exFrom, cmd.amount) ?? decide(exTo, credit, credited);
      if (rejection) return reject(leg1, rejection);
      leg1.reason = `fx ${cmd.rate} -> ${credited} ${credit.currency}`;
      leg2.reason = `fx ${cmd.rate} <- ${cmd.amount} ${debit.currency}`;
      for (const leg of [leg1, leg2]) {
        inserted.push(leg);
        known.set(leg.id, leg);
        append('posted', leg);
      }
      return resultOf(leg1, false);
    };

    const resolve = (op: Extract<Op, { type: 'resolve' }>): TransferResult => {
      const t = known.get(op.transferId);
      if (!t) throw notFound(ledgerCodes.transferNotFound, `transfer ${op.transferId} does not exist`);
      if (t.status !== op.from) {
        const done = op.from === 'pending' ? (op.action === 'post' ? ['posted'] : ['voided']) : (op.action === 'post' ? ['posted'] : ['rejected']);
        if (done.includes(t.status) && !op.review) return resultOf(t, true);
        throw conflict(op.from === 'held' ? ledgerCodes.notHeld : ledgerCodes.notPending, `transfer ${t.id} is ${t.status}, not ${op.from}`);
      }
      let action = op.action;
      let reason: string | null = op.action === 'void' ? op.reason : null;
      if (op.from === 'pending' && action === 'post' && t.expiresAt && t.expiresAt <= now) {
        action = 'void';
        reason = 'expired';
      }
      append(action === 'post' ? 'pending-posted' : 'pending-voided', t);
      const next: TransferRow = { ...t, status: action === 'post' ? 'posted' : op.from === 'held' ? 'rejected' : 'voided', reason: reason ?? t.reason, updatedAt: now };
      known.set(t.id, next);
      updated.set(t.id, next);
      if (action === 'void') tx.publish({ type: 'ledger.transfer-voided', key: t.debitAccountId, data: { transferId: t.id, debitAccountId: t.debitAccountId, reason: reason ?? '' } });
      if (op.review) {
        const decision = op.action === 'post' ? 'approved' : 'rejected';
        reviews.push({ transferId: t.id, decision, analystId: op.review.analystId, note: op.review.note });
        tx.publish({ type: 'ledger.review-decided', key: t.debitAccountId, data: { transferId: t.id, decision, analystId: op.review.analystId, note: op.review.note, rules: heldRules.get(t.id) ?? [] } });
      }
      return resultOf(next, false);
    };

    const outcomes: Outcome[] = ops.map((op) => {
      try {
        return { ok: op.type === 'create' ? create(op.cmd) : op.type === 'fx' ? fx(op.cmd) : resolve(op) };
      } catch (err) {
        if (err instanceof MillraceError) return { err };
        throw err;
      }
    });

    publishLines(tx, lines, acc, now);
    await transfers.insert(ex, inserted);
    await transfers.updateStatus(ex, [...updated.values()]);
    await journal.append(ex, entries);
    await insertStatementLines(ex, lines);
    const touched = [...acc.values()].filter((a) => a.version !== original.get(a.id));
    const written = await accounts.write(ex, touched.map((a) => ({ next: a, expectedVersion: original.get(a.id)! })));
    if (written !== touched.length) throw new Error(VERSION_CONFLICT);
    await fraudStore.saveProfiles(ex, touchedProfiles);
    await fraudStore.addPairs(ex, newPairs, now);
    if (decisions.length > 0) {
      await sql`insert into ledger.fraud_decisions (transfer_id, owner_id, rules, eval_micros, decided_at)
        select t, o, r::jsonb, m, ${now} from unnest(${decisions.map((d) => d.transferId)}::text[], ${decisions.map((d) => d.ownerId)}::text[],
          ${decisions.map((d) => JSON.stringify(d.rules))}::text[], ${decisions.map((d) => d.micros)}::int[]) as v(t, o, r, m)`.execute(ex);
    }
    for (const r of reviews) {
      await sql`insert into ledger.reviews (transfer_id, decision, analyst_id, note, decided_at) values (${r.transferId}, ${r.decision}, ${r.analystId}, ${r.note}, ${now})`.execute(ex);
    }
    return outcomes;
  }
}

const MAX_LINES_PER_EVENT = 200;

/** One `ledger.entries-posted` per account (per 200 lines) of the batch, in seq order, keyed by the account. */
function publishLines(tx: Tx, lines: readonly StatementRow[], acc: ReadonlyMap<string, { ownerId: string; currency: string }>, now: Date): void {
  const byAccount = new Map<string, StatementRow[]>();
  for (const l of lines) {
    const list = byAccount.get(l.accountId);
    if (list) list.push(l);
    else byAccount.set(l.accountId, [l]);
  }
  for (const [accountId, all] of byAccount) {
    const a = acc.get(accountId)!;
    for (let i = 0; i < all.length; i += MAX_LINES_PER_EVENT) {
      const chunk = all.slice(i, i + MAX_LINES_PER_EVENT);
      tx.publish({
        type: 'ledger.entries-posted', key: accountId,
        data: {
          accountId, ownerId: a.ownerId, currency: a.currency, balance: chunk.at(-1)!.balance.toString(), postedAt: now.toISOString(),
          lines: chunk.map((l) => ({ seq: l.seq.toString(), transferId: l.transferId, kind: l.kind, amount: l.amount.toString(), balance: l.balance.toString(), counterpartyAccountId: l.counterpartyAccountId })),
        },
      });
    }
  }
}
