// Event sourcing checks: verify the journal's hash chain, and rebuild the projections from the journal into fresh tables and diff them.
import { sql, type Database } from '@millrace/platform';
import { GENESIS_HASH } from './migrations/0001_init.ts';
import { chainHash, evolve, movesBalance, type AccountState } from './domain.ts';
import { insertStatementLines, journal, type StatementRow } from './store.ts';

export interface ChainReport {
  readonly ok: boolean;
  readonly entries: number;
  /** The first row that does not verify, and why. */
  readonly firstBad: { readonly seq: string; readonly problem: string } | null;
}

const PAGE = 10_000;

/**
 * Walks the journal in order: seq contiguous from 1, each prev_hash the previous hash, each hash recomputed, the head matching.
 * @example const r = await verifyChain(db); if (!r.ok) console.error(r.firstBad)
 */
export async function verifyChain(db: Database): Promise<ChainReport> {
  return db.transaction(async (trx) => {
    let prev = GENESIS_HASH;
    let expectSeq = 1n;
    let n = 0;
    for (;;) {
      const page = await journal.page(trx, expectSeq - 1n, PAGE);
      for (const e of page) {
        n++;
        const bad = (problem: string): ChainReport => ({ ok: false, entries: n, firstBad: { seq: e.seq.toString(), problem } });
        if (e.seq !== expectSeq) return bad(`expected seq ${expectSeq} (a row is missing)`);
        if (e.prevHash !== prev) return bad('prev_hash does not match the previous row');
        if (chainHash(prev, e) !== e.hash) return bad('hash does not match the row: the row was modified');
        prev = e.hash;
        expectSeq++;
      }
      if (page.length < PAGE) break;
    }
    const head = await journal.head(trx, false);
    if (head.seq !== expectSeq - 1n || head.hash !== prev) {
      return { ok: false, entries: n, firstBad: { seq: head.seq.toString(), problem: 'chain head does not match the last journal row (rows removed at the end?)' } };
    }
    return { ok: true, entries: n, firstBad: null };
  }, { isolation: 'repeatable read' });
}

export interface ReplayReport {
  readonly entries: number;
  readonly accounts: number;
  readonly statementLines: number;
  readonly accountMismatches: number;
  readonly lineMismatches: number;
  /** A few differing rows, for the eye. */
  readonly sample: readonly unknown[];
  readonly identical: boolean;
}

/**
 * Rebuilds balances (ledger.replay_accounts) and statement lines (ledger.replay_statement_lines) from the journal alone,
 * then compares them with the live projections row for row, in one snapshot.
 * @example const r = await replayProjections(db); assert(r.identical)
 */
export async function replayProjections(db: Database): Promise<ReplayReport> {
  return db.transaction(async (trx) => {
    await sql`drop table if exists ledger.replay_accounts, ledger.replay_statement_lines`.execute(trx);
    await sql`create table ledger.replay_accounts (id text primary key, balance bigint not null, pending_debits bigint not null, pending_credits bigint not null, version bigint not null)`.execute(trx);
    await sql`create table ledger.replay_statement_lines (like ledger.statement_lines including all)`.execute(trx);
    const { rows: ids } = await sql<{ id: string }>`select id from ledger.accounts`.execute(trx);
    const zero = (id: string): AccountState => ({
      id, ownerId: '', currency: '', kind: 'user', overdraftLimit: null, maxBalance: null, balance: 0n, pendingDebits: 0n, pendingCredits: 0n, version: 0n,
    });
    const state = new Map(ids.map((r) => [r.id, zero(r.id)]));
    let entries = 0;
    let lineCount = 0;
    let after = 0n;
    for (;;) {
      const page = await journal.page(trx, after, PAGE);
      const lines: StatementRow[] = [];
      for (const e of page) {
        entries++;
        const [d, c] = evolve(state.get(e.debitAccountId) ?? zero(e.debitAccountId), state.get(e.creditAccountId) ?? zero(e.creditAccountId), e);
        state.set(d.id, d);
        state.set(c.id, c);
        if (movesBalance(e.entry)) {
          lines.push({ accountId: d.id, seq: e.seq, transferId: e.transferId, kind: e.kind, amount: -e.amount, balance: d.balance, counterpartyAccountId: c.id, postedAt: e.at });
          lines.push({ accountId: c.id, seq: e.seq, transferId: e.transferId, kind: e.kind, amount: e.amount, balance: c.balance, counterpartyAccountId: d.id, postedAt: e.at });
        }
        after = e.seq;
      }
      await insertStatementLines(trx, lines, 'ledger.replay_statement_lines');
      lineCount += lines.length;
      if (page.length < PAGE) break;
    }
    const all = [...state.values()];
    for (let i = 0; i < all.length; i += PAGE) {
      const chunk = all.slice(i, i + PAGE);
      await sql`insert into ledger.replay_accounts select * from unnest(${chunk.map((a) => a.id)}::text[], ${chunk.map((a) => a.balance.toString())}::bigint[],
        ${chunk.map((a) => a.pendingDebits.toString())}::bigint[], ${chunk.map((a) => a.pendingCredits.toString())}::bigint[], ${chunk.map((a) => a.version.toString())}::bigint[])`.execute(trx);
    }
    const { rows: accDiff } = await sql<Record<string, unknown>>`
      select coalesce(a.id, r.id) as id, a.balance::text as live_balance, r.balance::text as replay_balance, a.version::text as live_version, r.version::text as replay_version
      from ledger.accounts a full join ledger.replay_accounts r on r.id = a.id
      where (a.balance, a.pending_debits, a.pending_credits, a.version) is distinct from (r.balance, r.pending_debits, r.pending_credits, r.version)`.execute(trx);
    const { rows: lineDiff } = await sql<Record<string, unknown>>`
      select coalesce(l.account_id, r.account_id) as account_id, coalesce(l.seq, r.seq)::text as seq, l.balance::text as live_balance, r.balance::text as replay_balance
      from ledger.statement_lines l full join ledger.replay_statement_lines r on r.account_id = l.account_id and r.seq = l.seq
      where (l.transfer_id, l.kind, l.amount, l.balance, l.counterparty_account_id, l.posted_at)
        is distinct from (r.transfer_id, r.kind, r.amount, r.balance, r.counterparty_account_id, r.posted_at)`.execute(trx);
    return {
      entries, accounts: all.length, statementLines: lineCount, accountMismatches: accDiff.length, lineMismatches: lineDiff.length,
      sample: [...accDiff.slice(0, 3), ...lineDiff.slice(0, 3)], identical: accDiff.length === 0 && lineDiff.length === 0,
    };
  }, { isolation: 'repeatable read' });
}
