// Browser: backend writes appear in the live view; filters, pause/resume, counts per topic and the envelope details.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, openPage, register, rowIds, settleAndClear, signIn, startServer, type ConsoleServer } from './harness.ts';

let server: ConsoleServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await register(server, 'admin@example.com'); // the first account: admin, who may follow the identity channel
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const rowOf = (page: Page, type: string, key: string) => page.locator(`[data-testid="event-row"][data-event-type="${type}"]`).filter({ hasText: key });

test('a user registered through the API appears live; its row opens the envelope', async () => {
  const { context, page, problems } = await openPage(browser);
  await signIn(page, server, 'admin@example.com');
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  await page.locator('[data-testid="topic-count"][data-topic="identity"]').waitFor();
  await settleAndClear(page, server);

  const user = await register(server, 'newcomer@example.com');
  const row = rowOf(page, 'identity.user-registered', user.id);
  await row.waitFor();
  assert.equal(await row.count(), 1);
  assert.match(await page.locator('[data-testid="topic-count"][data-topic="identity"]').innerText(), /identity\s+1/);

  await row.getByRole('button').click();
  const json = JSON.parse(await page.getByTestId('event-json').innerText()) as { id: string; type: string; key: string; data: { email: string } };
  assert.equal(json.type, 'identity.user-registered');
  assert.equal(json.key, user.id);
  assert.equal(json.data.email, 'newcomer@example.com');
  assert.equal(json.id, await row.getAttribute('data-event-id'));
  await page.keyboard.press('Escape');
  await page.getByTestId('event-details').waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('filters by type and key; pause holds new events back until resume', async () => {
  const { context, page, problems } = await openPage(browser);
  await signIn(page, server, 'admin@example.com');
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  await page.locator('[data-testid="topic-count"][data-topic="identity"]').waitFor();
  await settleAndClear(page, server);

  const a = await register(server, 'filter-a@example.com');
  const b = await register(server, 'filter-b@example.com');
  await rowOf(page, 'identity.user-registered', a.id).waitFor();
  await rowOf(page, 'identity.user-registered', b.id).waitFor();
  assert.equal((await rowIds(page)).length, 2);

  await page.getByLabel('Key contains').fill(b.id.slice(-12));
  await eventually(async () => (await rowIds(page)).length === 1, 'the key filter to leave one row');
  assert.equal(await rowOf(page, 'identity.user-registered', b.id).count(), 1);
  await page.getByLabel('Key contains').fill('');
  await page.getByLabel('Event type').fill('login');
  await eventually(async () => (await rowIds(page)).length === 0, 'the type filter to hide registrations');
  await page.getByLabel('Event type').fill('');

  await page.getByTestId('pause-toggle').click();
  const c = await register(server, 'filter-c@example.com');
  await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor();
  assert.equal(await rowOf(page, 'identity.user-registered', c.id).count(), 0, 'paused: the list stays as it was');
  await page.getByRole('button', { name: 'Resume (1 new)' }).click();
  await rowOf(page, 'identity.user-registered', c.id).waitFor();
  assert.equal((await rowIds(page)).length, 3);
  assert.deepEqual(problems, []);
  await context.close();
});
