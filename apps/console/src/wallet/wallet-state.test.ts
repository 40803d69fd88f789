// The wallet page's state under live ledger events: balances, unique ordered lines, held transfers settling, reloads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveEvent } from '../live/event-log.ts';
import { actionsFor, initialWallet, mergeLines, walletReducer, type WalletState } from './wallet-state.ts';
import type { StatementLine, WalletAccount } from './wallet-types.ts';

const account: WalletAccount = { id: 'a1', currency: 'EUR', balance: '1000', available: '600', pending: '400', overdraftLimit: '0' };

const event = (type: string, data: unknown, n = 1): LiveEvent => ({ id: `e-${type}-${n}`, type, version: 1, source: 'ledger', key: 'a1', time: '2026-11-22T03:00:00.000Z', data });

const line = (seq: string, amount: string, balance: string, transferId = `t${seq}`): StatementLine => ({
  seq, transferId, kind: 'withdrawal', amount, balance, counterpartyAccountId: 'sys:cash-out:EUR', postedAt: '2026-11-22T03:00:00.000Z',
});

function given(...events: LiveEvent[]): WalletState {
  let s = walletReducer(initialWallet, { type: 'loaded', accounts: [account] });
  for (const e of events) for (const a of actionsFor(e).actions) s = walletReducer(s, a);
  return s;
}

const posted = (seq: string, amount: string, balance: string, transferId?: string) =>
  event('ledger.entries-posted', { accountId: 'a1', ownerId: 'u1', currency: 'EUR', balance, postedAt: '2026-11-22T03:00:00.000Z', lines: [line(seq, amount, balance, transferId)] }, Number(seq));

test('a posting sets the balance from the event; available follows with the reservation unchanged', () => {
  const s = given(posted('7', '-100', '900'));
  assert.equal(s.accounts[0]!.balance, '900');
  assert.equal(s.accounts[0]!.available, '500');
  assert.deepEqual(s.feeds.a1!.lines.map((l) => l.seq), ['7']);
});

test('lines stay unique and in seq order whatever order and repeats they arrive in', () => {
  const s = given(posted('10', '5', '15'), posted('9', '5', '10'), posted('10', '5', '15'));
  assert.deepEqual(s.feeds.a1!.lines.map((l) => l.seq), ['9', '10']);
  assert.deepEqual(mergeLines([line('2', '1', '1'), line('11', '1', '2')], [line('2', '9', '9'), line('3', '1', '3')]).map((l) => `${l.seq}:${l.amount}`), ['2:1', '3:1', '11:1']);
});

test('a held transfer made here settles: approved posts, a rejection is shown as such', () => {
  let s = walletReducer(given(), { type: 'transfer', id: 'w-1', state: 'held' });
  s = walletReducer(s, actionsFor(posted('12', '-400', '600', 'w-1')).actions[0]!);
  assert.equal(s.transfers['w-1'], 'posted');
  const rejected = given(event('ledger.transfer-voided', { transferId: 'w-2', debitAccountId: 'a1', reason: 'rejected by review: no' }), event('ledger.review-decided', { transferId: 'w-2', decision: 'rejected', analystId: 'x', note: 'no', rules: [] }));
  assert.equal(rejected.transfers['w-2'], 'rejected');
});

test('reservations changing (held, voided, decided) ask for a read; postings alone do not', () => {
  assert.equal(actionsFor(event('ledger.transfer-held', { transferId: 'w', debitAccountId: 'a1', ownerId: 'u1', amount: '5', currency: 'EUR', rules: [] })).refresh, true);
  assert.equal(actionsFor(event('ledger.review-decided', { transferId: 'w', decision: 'approved', analystId: 'x', note: 'ok', rules: [] })).refresh, true);
  assert.equal(actionsFor(posted('1', '5', '5')).refresh, false);
});

test('the first subscription and an unrecovered resume start a new epoch; a recovered resume does not', () => {
  let s = walletReducer(given(), { type: 'subscribed', accountId: 'a1', reload: true });
  assert.equal(s.feeds.a1!.epoch, 1);
  assert.equal(s.feeds.a1!.channel, 'live');
  s = walletReducer(s, { type: 'subscribed', accountId: 'a1', reload: false });
  assert.equal(s.feeds.a1!.epoch, 1);
  s = walletReducer(s, { type: 'refused', accountId: 'a1', detail: 'forbidden' });
  assert.equal(s.feeds.a1!.channel, 'refused');
});
