// Browser: the wallet's balance and statement follow `ledger:<accountId>` live; a fraud hold is approved on the review page.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accessToken, apiCall, eventually, launchBrowser, openPage, register, signIn, startServer, type ConsoleServer } from './harness.ts';

let server: ConsoleServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await register(server, 'admin@example.com'); // the first account: admin
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const token = (email: string) => accessToken(server, email);
const call = (method: string, path: string, bearer: string, body?: unknown, headers?: Record<string, string>) => apiCall(server, method, path, bearer, body, headers);

/** Opens the wallet through the navigation and an EUR account through the form; returns the account id once it is live. */
async function openWallet(page: Page): Promise<string> {
  await page.getByRole('link', { name: 'Wallet' }).click();
  await page.getByTestId('no-accounts').waitFor();
  await page.getByTestId('open-currency').selectOption('EUR');
  await page.getByTestId('open-submit').click();
  const card = page.locator('[data-testid="account-card"][data-currency="EUR"][data-live="live"]');
  await card.waitFor();
  await page.getByTestId('statement-empty').waitFor();
  return (await card.getAttribute('data-account-id'))!;
}

async function submitMove(page: Page, action: 'deposit' | 'withdrawal', amount: string): Promise<void> {
  await page.getByTestId(`action-${action}`).check();
  await page.getByTestId('amount').fill(amount);
  await page.getByTestId('move-submit').click();
}

const balance = (page: Page) => page.getByTestId('balance');
const lines = (page: Page) => page.getByTestId('statement-line');
const hasMinor = async (page: Page, testId: string, minor: string) => (await page.getByTestId(testId).getAttribute('data-minor')) === minor;

test('deposits show live: from the form, then one made through the API while the page stays open', async () => {
  await register(server, 'alice@example.com');
  const { context, page, problems } = await openPage(browser);
  await signIn(page, server, 'alice@example.com');
  assert.equal(await page.getByRole('link', { name: 'Fraud review' }).count(), 0, 'customers have no review page');
  const accountId = await openWallet(page);
  // survives only as long as the document does: a reload would drop it
  await page.evaluate(() => Object.assign(globalThis, { e2eSameDocument: true }));

  await submitMove(page, 'deposit', '12.50');
  await page.locator('[data-testid="move-result"][data-outcome="posted"]').waitFor();
  await eventually(() => hasMinor(page, 'balance', '1250'), 'the balance after the deposit');
  assert.equal(await balance(page).innerText(), '12.50 EUR');
  await eventually(async () => (await lines(page).count()) === 1, 'one statement line');
  assert.equal(await lines(page).first().getAttribute('data-amount'), '1250');
  assert.equal(await lines(page).first().getAttribute('data-balance'), '1250');

  // the same user through the API (another device): the open page hears it on ledger:<accountId>
  const bearer = await token('alice@example.com');
  const key = randomUUID();
  const deposit = await call('POST', '/api/wallet/deposits', bearer, { accountId, amount: '2000' }, { 'idempotency-key': key });
  assert.equal(deposit.status, 201);
  const line = page.locator(`[data-testid="statement-line"][data-transfer-id="${String(deposit.json.id)}"]`);
  await line.waitFor();
  assert.equal(await line.getAttribute('data-amount'), '2000');
  assert.equal(await line.getAttribute('data-balance'), '3250');
  await eventually(() => hasMinor(page, 'balance', '3250'), 'the balance after the API deposit');
  assert.equal(await balance(page).innerText(), '32.50 EUR');

  // a repeat under the same key posts nothing: the next real movement lands right after it, balance 3250 + 1
  const repeat = await call('POST', '/api/wallet/deposits', bearer, { accountId, amount: '2000' }, { 'idempotency-key': key });
  assert.equal(repeat.status, 200);
  assert.equal(repeat.json.id, deposit.json.id);
  await call('POST', '/api/wallet/deposits', bearer, { accountId, amount: '1' }, { 'idempotency-key': randomUUID() });
  await eventually(() => hasMinor(page, 'balance', '3251'), 'the balance after one more cent');
  assert.equal(await lines(page).count(), 3);

  // the connection drops and a deposit lands before it is back: the resumed channel replays it, once
  assert.ok(server.app.realtime.terminateAll() >= 1, 'the page was connected');
  await call('POST', '/api/wallet/deposits', bearer, { accountId, amount: '49' }, { 'idempotency-key': randomUUID() });
  await page.locator('[data-testid="connection-status"][data-state="resumed"]').waitFor();
  await eventually(() => hasMinor(page, 'balance', '3300'), 'the deposit made while disconnected');
  await eventually(async () => (await lines(page).count()) === 4, 'four statement lines');
  assert.equal(await lines(page).last().getAttribute('data-balance'), '3300');
  assert.equal(await page.evaluate(() => (globalThis as { e2eSameDocument?: boolean }).e2eSameDocument), true, 'no reload happened');

  // point in time: before the account existed, and now
  await page.getByTestId('balance-at-input').fill('2020-01-01T00:00:00');
  await page.getByRole('button', { name: 'Look up' }).click();
  await eventually(() => hasMinor(page, 'balance-at', '0'), 'the balance in 2020');
  const now = new Date(Date.now() + 60_000);
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  await page.getByTestId('balance-at-input').fill(local);
  await page.getByRole('button', { name: 'Look up' }).click();
  await eventually(() => hasMinor(page, 'balance-at', '3300'), 'the balance now');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a withdrawal held by the velocity rule is approved on the review page; the customer sees it post live', async () => {
  // setup: one withdrawal per 10 minutes, so the second is held (the rule gets version 2)
  const admin = await token('admin@example.com');
  const changed = await call('PUT', '/api/ledger/fraud-rules/velocity', admin, { params: { maxWithdrawals: 1, windowSeconds: 600 } });
  assert.equal(changed.status, 200);
  assert.equal(changed.json.version, 2);

  await register(server, 'bob@example.com');
  const customer = await openPage(browser);
  const analyst = await openPage(browser);
  const bob = customer.page;
  const desk = analyst.page;

  await signIn(desk, server, 'admin@example.com');
  await desk.getByRole('link', { name: 'Fraud review' }).click();
  await desk.getByTestId('queue-empty').waitFor();
  await desk.locator('[data-testid="fraud-rule"][data-rule="velocity"][data-version="2"]').waitFor();

  await signIn(bob, server, 'bob@example.com');
  await openWallet(bob);
  await submitMove(bob, 'deposit', '100');
  await eventually(() => hasMinor(bob, 'balance', '10000'), 'the deposit');
  await submitMove(bob, 'withdrawal', '10');
  await bob.locator('[data-testid="move-result"][data-outcome="posted"]').waitFor();
  await eventually(() => hasMinor(bob, 'balance', '9000'), 'the first withdrawal posted');

  await submitMove(bob, 'withdrawal', '25.00');
  const held = bob.locator('[data-testid="move-result"][data-outcome="held"]');
  await held.waitFor();
  const transferId = (await held.getAttribute('data-transfer-id'))!;
  await eventually(() => hasMinor(bob, 'reserved', '2500'), 'the held amount reserved');
  assert.equal(await bob.getByTestId('balance').getAttribute('data-minor'), '9000', 'held: not posted');
  assert.equal(await bob.getByTestId('available').getAttribute('data-minor'), '6500');
  await bob.locator(`[data-testid="activity-row"][data-transfer-id="${transferId}"][data-state="held"]`).waitFor();

  // the analyst's open queue receives the hold live, with the rule version that fired
  const item = desk.locator(`[data-testid="review-item"][data-transfer-id="${transferId}"]`);
  await item.waitFor();
  await item.locator('[data-testid="fired-rule"][data-rule="velocity"][data-version="2"]').waitFor();
  assert.match(await item.innerText(), /25\.00 EUR/);
  await item.getByTestId('approve').click();
  await item.getByRole('alert').waitFor(); // a decision needs a note
  await item.getByTestId('review-note').fill('called the customer: genuine');
  await item.getByTestId('approve').click();
  await item.waitFor({ state: 'detached' });
  const decided = desk.locator(`[data-testid="decided-row"][data-transfer-id="${transferId}"][data-decision="approved"]`);
  await decided.waitFor();
  await decided.getByText('Audit trail').click();
  await decided.locator('[data-testid="audit-record"][data-decision="approved"]').waitFor();
  assert.match(await decided.getByTestId('audit-list').innerText(), /velocity@v2[\s\S]*approved[\s\S]*called the customer: genuine/);
  await desk.getByTestId('queue-empty').waitFor();

  // the customer's page, untouched since: the withdrawal posts and the reservation is gone
  await eventually(() => hasMinor(bob, 'balance', '6500'), 'the approved withdrawal posted');
  await bob.locator('[data-testid="move-result"][data-outcome="approved"]').waitFor();
  await bob.locator(`[data-testid="activity-row"][data-transfer-id="${transferId}"][data-state="posted"]`).waitFor();
  await bob.getByTestId('reserved').waitFor({ state: 'detached' });
  assert.equal(await bob.getByTestId('available').getAttribute('data-minor'), '6500');
  const line = bob.locator(`[data-testid="statement-line"][data-transfer-id="${transferId}"]`);
  await line.waitFor();
  assert.equal(await line.getAttribute('data-amount'), '-2500');
  assert.equal(await line.getAttribute('data-balance'), '6500');

  assert.deepEqual(customer.problems, []);
  assert.deepEqual(analyst.problems, []);
  await customer.context.close();
  await analyst.context.close();
});

test('statement pages: load more reaches live lines; a peer-to-peer transfer from the form', async () => {
  await register(server, 'erin@example.com');
  await register(server, 'frank@example.com');
  const erin = await token('erin@example.com');
  const frank = await token('frank@example.com');
  const erinAccount = String((await call('POST', '/api/wallet/accounts', erin, { currency: 'EUR' })).json.id);
  const frankAccount = String((await call('POST', '/api/wallet/accounts', frank, { currency: 'EUR' })).json.id);
  for (let i = 1; i <= 30; i++) {
    assert.equal((await call('POST', '/api/wallet/deposits', erin, { accountId: erinAccount, amount: '100' }, { 'idempotency-key': randomUUID() })).status, 201);
  }
  await call('POST', '/api/wallet/deposits', frank, { accountId: frankAccount, amount: '5000' }, { 'idempotency-key': randomUUID() });

  const { context, page, problems } = await openPage(browser);
  await signIn(page, server, 'erin@example.com');
  await page.getByRole('link', { name: 'Wallet' }).click();
  await page.locator(`[data-testid="account-card"][data-account-id="${erinAccount}"][data-live="live"]`).waitFor();
  await eventually(async () => (await lines(page).count()) === 25, 'the first page of the statement');
  assert.equal(await lines(page).last().getAttribute('data-balance'), '2500');

  // money from frank while erin's statement is not at its end: the balance moves, the table waits for "load more"
  const sent = await call('POST', '/api/wallet/transfers', frank, { fromAccountId: frankAccount, toAccountId: erinAccount, amount: '700' }, { 'idempotency-key': randomUUID() });
  assert.equal(sent.status, 201);
  await eventually(() => hasMinor(page, 'balance', '3700'), 'the incoming transfer in the balance');
  await page.getByRole('button', { name: 'Load more (1 new since)' }).waitFor();
  assert.equal(await lines(page).count(), 25);
  await page.getByTestId('load-more').click();
  await eventually(async () => (await lines(page).count()) === 31, 'all 31 lines');
  await page.getByTestId('load-more').waitFor({ state: 'detached' });
  const incoming = page.locator(`[data-testid="statement-line"][data-transfer-id="${String(sent.json.id)}"]`);
  assert.match(await incoming.innerText(), /Transfer from …\w{8}[\s\S]*\+7\.00[\s\S]*37\.00/);

  // erin pays frank back from the form: the line is appended live at the end
  await page.getByTestId('action-transfer').check();
  await page.getByTestId('recipient').fill(frankAccount);
  await page.getByTestId('amount').fill('2.5');
  await page.getByTestId('move-submit').click();
  await page.locator('[data-testid="move-result"][data-outcome="posted"]').waitFor();
  await eventually(async () => (await lines(page).count()) === 32, 'the outgoing transfer in the statement');
  assert.equal(await lines(page).last().getAttribute('data-amount'), '-250');
  assert.equal(await lines(page).last().getAttribute('data-balance'), '3450');
  await eventually(() => hasMinor(page, 'balance', '3450'), 'the balance after paying');

  // an overdraft is refused with the problem's detail, and nothing moves
  await page.getByTestId('amount').fill('1000');
  await page.getByTestId('move-submit').click();
  const refused = page.locator('[data-testid="move-result"][data-outcome="rejected"][data-code="WALLET_INSUFFICIENT_FUNDS"]');
  await refused.waitFor();
  assert.match(await refused.innerText(), /insufficient funds/);
  assert.equal(await balance(page).getAttribute('data-minor'), '3450');
  assert.deepEqual(problems, []);
  await context.close();
});
