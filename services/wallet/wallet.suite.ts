// The wallet API suite: idempotency keys, ownership, deposits, withdrawals, peer-to-peer, statements, double spend over HTTP; PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, startWallet, type WalletHarness } from './test-app.ts';

let n = 0;
const key = () => `k-${++n}-${Math.random().toString(36).slice(2)}`;

export function walletSuite(name: string, db: () => Promise<string | undefined>): void {
  describe(`wallet API (${name})`, () => {
    let h: WalletHarness;
    before(async () => {
      const url = await db();
      h = await startWallet({ fraud: true, ...(url ? { db: url } : {}) });
    });
    after(() => h.close());

    const post = (url: string, user: string, payload: object, idem?: string) =>
      h.app.inject({ method: 'POST', url, payload, headers: { ...as(user), ...(idem ? { 'idempotency-key': idem } : {}) } });
    const get = (url: string, user: string) => h.app.inject({ method: 'GET', url, headers: as(user) });
    const open = async (user: string, currency = 'USD') => (await post('/api/wallet/accounts', user, { currency })).json().id as string;

    it('deposits need an Idempotency-Key; a repeated key credits once and says it replayed', async () => {
      const acct = await open('alice');
      assert.equal((await post('/api/wallet/accounts', 'alice', { currency: 'USD' })).statusCode, 200, 'one account per currency');
      const missing = await post('/api/wallet/deposits', 'alice', { accountId: acct, amount: '1000' });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().code, 'WALLET_IDEMPOTENCY_KEY_REQUIRED');
      const k = key();
      const first = await post('/api/wallet/deposits', 'alice', { accountId: acct, amount: '1000' }, k);
      assert.equal(first.statusCode, 201);
      const again = await post('/api/wallet/deposits', 'alice', { accountId: acct, amount: '1000' }, k);
      assert.equal(again.statusCode, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.json().id, first.json().id);
      assert.equal((await post('/api/wallet/deposits', 'alice', { accountId: acct, amount: '999' }, k)).statusCode, 409, 'same key, other body');
      assert.equal((await get(`/api/wallet/accounts/${acct}`, 'alice')).json().balance, '1000');
      assert.equal((await post('/api/wallet/deposits', 'alice', { accountId: acct, amount: 1.5 }, key())).statusCode, 400, 'no floats');
      assert.equal((await post('/api/wallet/deposits', 'alice', { accountId: acct, amount: '-5' }, key())).statusCode, 400);
    });

    it('owners see only their own accounts: another owner gets 404 and cannot move money from them', async () => {
      const acct = (await get('/api/wallet/accounts', 'alice')).json().items[0].id as string;
      assert.equal((await get(`/api/wallet/accounts/${acct}`, 'bob')).statusCode, 404);
      assert.equal((await get(`/api/wallet/accounts/${acct}/statement`, 'bob')).statusCode, 404);
      assert.equal((await post('/api/wallet/withdrawals', 'bob', { accountId: acct, amount: '1' }, key())).statusCode, 404);
      const bobs = await open('bob');
      assert.equal((await post('/api/wallet/transfers', 'bob', { fromAccountId: acct, toAccountId: bobs, amount: '1' }, key())).statusCode, 404);
      assert.deepEqual((await get('/api/wallet/accounts', 'bob')).json().items.map((a: { id: string }) => a.id), [bobs]);
      assert.equal((await h.app.inject({ method: 'GET', url: '/api/wallet/accounts' })).statusCode, 401);
    });

    it('peer-to-peer transfer, withdrawal, statement with running balances and cursor pages, point-in-time balance', async () => {
      const carol = await open('carol');
      const dave = await open('dave');
      await post('/api/wallet/deposits', 'carol', { accountId: carol, amount: '500' }, key());
      const before = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal((await post('/api/wallet/transfers', 'carol', { fromAccountId: carol, toAccountId: dave, amount: '200' }, key())).statusCode, 201);
      assert.equal((await post('/api/wallet/withdrawals', 'carol', { accountId: carol, amount: '50' }, key())).statusCode, 201);
      const refused = await post('/api/wallet/withdrawals', 'carol', { accountId: carol, amount: '251' }, key());
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().code, 'WALLET_INSUFFICIENT_FUNDS');
      const p1 = await get(`/api/wallet/accounts/${carol}/statement?limit=2`, 'carol');
      assert.deepEqual(p1.json().items.map((l: { amount: string; balance: string }) => [l.amount, l.balance]), [['500', '500'], ['-200', '300']]);
      assert.ok(p1.json().next);
      const p2 = await get(p1.json().next, 'carol');
      assert.deepEqual(p2.json().items.map((l: { amount: string; balance: string }) => [l.amount, l.balance]), [['-50', '250']]);
      assert.equal(p2.json().next, null);
      assert.equal((await get(`/api/wallet/accounts/${carol}/statement?cursor=bogus`, 'carol')).statusCode, 400);
      assert.equal((await get(`/api/wallet/accounts/${dave}`, 'dave')).json().balance, '200');
      assert.equal((await get(`/api/wallet/accounts/${carol}?at=${encodeURIComponent(before)}`, 'carol')).json().balance, '500');
    });

    it('double spend over HTTP: 200 concurrent withdrawals of the full balance, different keys: exactly one succeeds', async () => {
      const acct = await open('erin');
      await post('/api/wallet/deposits', 'erin', { accountId: acct, amount: '777' }, key());
      const rs = await Promise.all(Array.from({ length: 200 }, () => post('/api/wallet/withdrawals', 'erin', { accountId: acct, amount: '777' }, key())));
      assert.equal(rs.filter((r) => r.statusCode === 201).length, 1);
      assert.equal(rs.filter((r) => r.statusCode === 409 && r.json().code === 'WALLET_INSUFFICIENT_FUNDS').length, 199);
      assert.equal((await get(`/api/wallet/accounts/${acct}`, 'erin')).json().balance, '0');
    });

    it('idempotency over HTTP: 50 concurrent requests with one key move money once', async () => {
      const from = await open('fay');
      const to = await open('gus');
      await post('/api/wallet/deposits', 'fay', { accountId: from, amount: '100' }, key());
      const k = key();
      const rs = await Promise.all(Array.from({ length: 50 }, () => post('/api/wallet/transfers', 'fay', { fromAccountId: from, toAccountId: to, amount: '60' }, k)));
      assert.deepEqual([rs.filter((r) => r.statusCode === 201).length, rs.filter((r) => r.statusCode === 200).length], [1, 49]);
      assert.equal((await get(`/api/wallet/accounts/${to}`, 'gus')).json().balance, '60');
    });

    it('a withdrawal the fraud rules hold answers 202 and reserves the funds', async () => {
      const acct = await open('hal');
      await post('/api/wallet/deposits', 'hal', { accountId: acct, amount: '1000' }, key());
      for (let i = 0; i < 5; i++) assert.equal((await post('/api/wallet/withdrawals', 'hal', { accountId: acct, amount: '10' }, key())).statusCode, 201);
      const held = await post('/api/wallet/withdrawals', 'hal', { accountId: acct, amount: '10' }, key());
      assert.equal(held.statusCode, 202);
      assert.equal(held.json().status, 'held');
      const a = (await get(`/api/wallet/accounts/${acct}`, 'hal')).json();
      assert.deepEqual([a.balance, a.pending, a.available], ['950', '10', '940']);
    });
  });
}
