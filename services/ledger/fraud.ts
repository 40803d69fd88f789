// Fraud rules as data: versioned thresholds, a pure evaluate(event, context, rules) -> decision, and the rolling per-account profile.
import type { TransferKind } from './contract.ts';

export const RULE_NAMES = ['velocity', 'large-amount', 'new-counterparties', 'credential-change'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** One version of one rule. Changing thresholds adds a version; decisions name the version that fired. */
export interface RuleDefinition {
  readonly rule: RuleName;
  readonly version: number;
  readonly enabled: boolean;
  readonly params: Readonly<Record<string, number>>;
}

/** Parameters each rule reads, with their version-1 values. */
export const DEFAULT_RULES: readonly RuleDefinition[] = Object.freeze<RuleDefinition[]>([
  // more than maxWithdrawals withdrawals within windowSeconds
  { rule: 'velocity', version: 1, enabled: true, params: { maxWithdrawals: 5, windowSeconds: 600 } },
  // amount above multiplier x the mean of the last `history` debits, once minHistory debits are known
  { rule: 'large-amount', version: 1, enabled: true, params: { multiplier: 10, minHistory: 5, history: 20 } },
  // a transfer to a new counterparty when maxNew new ones were already paid within windowSeconds
  { rule: 'new-counterparties', version: 1, enabled: true, params: { maxNew: 3, windowSeconds: 3600 } },
  // a withdrawal within windowSeconds after the owner's credentials changed
  { rule: 'credential-change', version: 1, enabled: true, params: { windowSeconds: 86_400 } },
]);

/** Rolling statistics of one account's outgoing money. Kept small (bounded lists): it is read and written with every batch. */
export interface RiskProfile {
  /** Last debits' amounts (decimal strings of minor units), newest last. */
  readonly amounts: readonly string[];
  /** Times (ms) of recent withdrawals, newest last. */
  readonly withdrawals: readonly number[];
  /** Times (ms) of recent first payments to a new counterparty, newest last. Who was paid before is kept apart (a table). */
  readonly newCounterparties: readonly number[];
}

export const EMPTY_PROFILE: RiskProfile = Object.freeze({ amounts: [], withdrawals: [], newCounterparties: [] });
/** Bounds of the profile's lists; `checkParams` keeps thresholds within them. */
export const MAX_HISTORY = 32;
const MAX_AMOUNTS = MAX_HISTORY;
const MAX_TIMES = MAX_HISTORY;
/** Parameters counted against a profile list: their values must leave room for one more than the threshold. */
const BOUNDED = new Set(['maxWithdrawals', 'maxNew', 'history', 'minHistory']);

/** A money-moving event about to post, as the rules see it. */
export interface MoneyEvent {
  readonly kind: TransferKind;
  readonly amount: bigint;
  readonly counterpartyAccountId: string;
  readonly at: Date;
}

export interface FraudContext {
  readonly profile: RiskProfile;
  readonly credentialChangedAt: Date | null;
  /** Whether this account has paid the event's counterparty before. */
  readonly knownCounterparty: boolean;
}

export interface FiredRule {
  readonly rule: RuleName;
  readonly version: number;
  readonly reason: string;
}

export interface Decision {
  readonly action: 'allow' | 'hold';
  readonly fired: readonly FiredRule[];
}

/** Only money leaving a user on their own initiative is screened: withdrawals and peer-to-peer transfers. */
export const screened = (kind: TransferKind): boolean => kind === 'withdrawal' || kind === 'transfer';

const p = (r: RuleDefinition, name: string): number => {
  const v = r.params[name];
  if (v === undefined || !Number.isFinite(v)) throw new Error(`fraud rule ${r.rule} v${r.version}: parameter ${name} missing`);
  return v;
};

type Check = (r: RuleDefinition, e: MoneyEvent, ctx: FraudContext) => string | null;

const checks: Record<RuleName, Check> = {
  velocity(r, e, ctx) {
    if (e.kind !== 'withdrawal') return null;
    const since = e.at.getTime() - p(r, 'windowSeconds') * 1000;
    const recent = ctx.profile.withdrawals.filter((t) => t > since).length;
    return recent >= p(r, 'maxWithdrawals') ? `${recent + 1} withdrawals within ${p(r, 'windowSeconds')} s (max ${p(r, 'maxWithdrawals')})` : null;
  },
  'large-amount'(r, e, ctx) {
    const history = ctx.profile.amounts.slice(-p(r, 'history'));
    if (history.length < p(r, 'minHistory')) return null;
    const sum = history.reduce((s, a) => s + BigInt(a), 0n);
    // amount > multiplier * sum / n, in integers: the multiplier is a ratio with two decimals
    const mult = BigInt(Math.round(p(r, 'multiplier') * 100));
    return e.amount * BigInt(history.length) * 100n > mult * sum
      ? `amount ${e.amount} over ${p(r, 'multiplier')}x the mean ${sum / BigInt(history.length)} of the last ${history.length} debits`
      : null;
  },
  'new-counterparties'(r, e, ctx) {
    if (e.kind !== 'transfer' || ctx.knownCounterparty) return null;
    const since = e.at.getTime() - p(r, 'windowSeconds') * 1000;
    const fresh = ctx.profile.newCounterparties.filter((t) => t > since).length;
    return fresh >= p(r, 'maxNew') ? `${fresh + 1} new counterparties within ${p(r, 'windowSeconds')} s (max ${p(r, 'maxNew')})` : null;
  },
  'credential-change'(r, e, ctx) {
    if (e.kind !== 'withdrawal' || !ctx.credentialChangedAt) return null;
    const ago = (e.at.getTime() - ctx.credentialChangedAt.getTime()) / 1000;
    return ago >= 0 && ago < p(r, 'windowSeconds') ? `withdrawal ${Math.round(ago)} s after a credential change (window ${p(r, 'windowSeconds')} s)` : null;
  },
};

/**
 * Runs every enabled rule on an event; any firing rule holds the transfer for review.
 * @example evaluate({ kind: 'withdrawal', amount: 100n, counterpartyAccountId: cashOut, at }, { profile, credentialChangedAt: null }, rules)
 */
export function evaluate(event: MoneyEvent, ctx: FraudContext, rules: readonly RuleDefinition[]): Decision {
  if (!screened(event.kind)) return { action: 'allow', fired: [] };
  const fired: FiredRule[] = [];
  for (const r of rules) {
    if (!r.enabled) continue;
    const reason = checks[r.rule](r, event, ctx);
    if (reason) fired.push({ rule: r.rule, version: r.version, reason });
  }
  return { action: fired.length > 0 ? 'hold' : 'allow', fired };
}

/** The profile after a screened debit was accepted (posted or held); `newCounterparty` when it paid someone for the first time. */
export function observe(profile: RiskProfile, e: MoneyEvent, newCounterparty: boolean): RiskProfile {
  if (!screened(e.kind)) return profile;
  const t = e.at.getTime();
  return {
    amounts: [...profile.amounts, e.amount.toString()].slice(-MAX_AMOUNTS),
    withdrawals: e.kind === 'withdrawal' ? [...profile.withdrawals, t].slice(-MAX_TIMES) : profile.withdrawals,
    newCounterparties: e.kind === 'transfer' && newCounterparty ? [...profile.newCounterparties, t].slice(-MAX_TIMES) : profile.newCounterparties,
  };
}

/** Validates rule parameters given through the API: every parameter of the rule's defaults, non-negative numbers. */
export function checkParams(rule: RuleName, params: Record<string, number>): string | null {
  const defaults = DEFAULT_RULES.find((r) => r.rule === rule)!.params;
  for (const name of Object.keys(defaults)) {
    const v = params[name];
    if (v === undefined || !Number.isFinite(v) || v < 0) return `${name}: a non-negative number is required`;
    if (BOUNDED.has(name) && v >= MAX_HISTORY) return `${name}: at most ${MAX_HISTORY - 1} (the rolling profile keeps ${MAX_HISTORY} entries)`;
  }
  const extra = Object.keys(params).filter((k) => !(k in defaults));
  return extra.length > 0 ? `unknown parameters: ${extra.join(', ')}` : null;
}
