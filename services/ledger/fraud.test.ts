// Fraud rules, pure: each rule holds the transfer it should and lets a normal one through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RULES, EMPTY_PROFILE, evaluate, observe, checkParams, MAX_HISTORY, type MoneyEvent, type RiskProfile } from './fraud.ts';

const at = new Date('2026-01-01T12:00:00Z');
const ms = (s: number) => at.getTime() - s * 1000;
const w = (amount: bigint, kind: MoneyEvent['kind'] = 'withdrawal', cp = 'sys:cash-out:USD'): MoneyEvent => ({ kind, amount, counterpartyAccountId: cp, at });
const ctx = (profile: Partial<RiskProfile> = {}, credentialChangedAt: Date | null = null, knownCounterparty = false) =>
  ({ profile: { ...EMPTY_PROFILE, ...profile }, credentialChangedAt, knownCounterparty });
const fired = (e: MoneyEvent, c: ReturnType<typeof ctx>) => evaluate(e, c, DEFAULT_RULES).fired.map((f) => `${f.rule}@${f.version}`);

test('velocity: the 6th withdrawal within 10 minutes is held; 5 are fine, and old ones do not count', () => {
  assert.deepEqual(fired(w(100n), ctx({ withdrawals: [ms(60), ms(50), ms(40), ms(30), ms(20)] })), ['velocity@1']);
  assert.deepEqual(fired(w(100n), ctx({ withdrawals: [ms(60), ms(50), ms(40), ms(30)] })), []);
  assert.deepEqual(fired(w(100n), ctx({ withdrawals: [ms(9000), ms(8000), ms(7000), ms(6000), ms(700)] })), []);
  assert.deepEqual(fired(w(100n, 'deposit'), ctx({ withdrawals: Array(10).fill(ms(1)) })), [], 'deposits are not screened');
});

test('large amount: far above the rolling mean is held, once enough history exists', () => {
  const amounts = ['100', '120', '80', '100', '100'];
  assert.deepEqual(fired(w(1_001n), ctx({ amounts })), ['large-amount@1']);
  assert.deepEqual(fired(w(999n), ctx({ amounts })), []);
  assert.deepEqual(fired(w(1_000_000n), ctx({ amounts: amounts.slice(0, 4) })), [], 'too little history to judge');
});

test('new counterparties: the 4th new payee within an hour is held; paying a known one is fine', () => {
  const newCounterparties = [ms(90_000), ms(300), ms(200), ms(100)];
  assert.deepEqual(fired(w(10n, 'transfer', 'd'), ctx({ newCounterparties })), ['new-counterparties@1']);
  assert.deepEqual(fired(w(10n, 'transfer', 'a'), ctx({ newCounterparties }, null, true)), []);
  assert.deepEqual(fired(w(10n, 'transfer', 'd'), ctx({ newCounterparties: [ms(90_000), ms(200), ms(100)] })), []);
});

test('credential change: a withdrawal within a day of it is held; later, or a transfer, is fine', () => {
  assert.deepEqual(fired(w(10n), ctx({}, new Date(ms(3600)))), ['credential-change@1']);
  assert.deepEqual(fired(w(10n), ctx({}, new Date(ms(90_000)))), []);
  assert.deepEqual(fired(w(10n, 'transfer', 'x'), ctx({}, new Date(ms(60)))), []);
});

test('rules are data: a disabled rule or new thresholds change the decision, and the version is named', () => {
  const rules = DEFAULT_RULES.map((r) => (r.rule === 'velocity' ? { ...r, version: 2, params: { maxWithdrawals: 1, windowSeconds: 60 } } : r));
  const d = evaluate(w(10n), ctx({ withdrawals: [ms(10)] }), rules);
  assert.deepEqual(d.fired.map((f) => [f.rule, f.version]), [['velocity', 2]]);
  assert.equal(evaluate(w(10n), ctx({ withdrawals: [ms(10)] }), rules.map((r) => ({ ...r, enabled: false }))).action, 'allow');
  assert.match(checkParams('velocity', { maxWithdrawals: 3 }) ?? '', /windowSeconds/);
  assert.equal(checkParams('velocity', { maxWithdrawals: 3, windowSeconds: 10 }), null);
});

test('observe keeps bounded rolling statistics', () => {
  let p: RiskProfile = EMPTY_PROFILE;
  for (let i = 0; i < 400; i++) p = observe(p, w(BigInt(i + 1), i % 2 ? 'withdrawal' : 'transfer', `cp${i}`), i % 4 === 0);
  assert.equal(p.amounts.length, MAX_HISTORY);
  assert.equal(p.amounts.at(-1), '400');
  assert.equal(p.withdrawals.length, MAX_HISTORY);
  assert.equal(p.newCounterparties.length, MAX_HISTORY);
  assert.ok(JSON.stringify(p).length < 1_500, 'small enough to write with every batch');
  assert.match(checkParams('velocity', { maxWithdrawals: MAX_HISTORY, windowSeconds: 60 }) ?? '', /at most/);
});
