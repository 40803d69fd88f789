// Browser: register the first account through the form (it becomes admin), sign in and out, wrong passwords, the health panel.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, PASSWORD, register, signIn, startServer, type ConsoleServer } from './harness.ts';

let server: ConsoleServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the first account registered through the form is admin and lands on the page first asked for', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${server.url}/health`);
  await page.waitForURL(/\/sign-in\?next=%2Fhealth$/);
  await page.getByRole('link', { name: 'Register' }).click();
  await page.getByLabel('Email').fill('first@example.com');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('current-user').waitFor();
  assert.match(await page.getByTestId('current-user').innerText(), /first@example\.com\s+admin/);
  assert.equal(new URL(page.url()).pathname, '/health', 'back to the page first asked for');
  assert.deepEqual(problems, []);
  await context.close();
});

test('sign in through the form; a wrong password says so; the session survives a reload', async () => {
  await register(server, 'ada@example.com');
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${server.url}/`);
  await page.waitForURL(/\/sign-in$/);
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.getByRole('alert').innerText(), /Email or password is wrong/);

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
  assert.match(await page.getByTestId('current-user').innerText(), /ada@example\.com\s+customer/);
  assert.equal(new URL(page.url()).pathname, '/events');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Live events');

  await page.reload();
  await page.getByTestId('current-user').waitFor();
  assert.equal(new URL(page.url()).pathname, '/events');
  const cookies = await context.cookies();
  assert.equal(cookies.find((c) => c.name === 'mr_session')?.httpOnly, true, 'the session cookie is out of reach of scripts');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the health panel shows readiness, what runs, the event-flow numbers and dead letters', async () => {
  await register(server, 'ops@example.com').catch(() => undefined);
  const { context, page, problems } = await openPage(browser);
  await signIn(page, server, 'ops@example.com');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).click();
  await page.waitForURL(/\/health$/);
  await page.locator('[data-testid="readiness"][data-state="ready"]').waitFor();
  await page.locator('[data-check="database"][data-ok="true"]').waitFor();
  await page.locator('[data-check="eventLog"][data-ok="true"]').waitFor();
  const facts = await page.getByTestId('platform-status').innerText();
  assert.match(facts, /Mode\s+embedded/);
  assert.match(facts, /Database\s+PGlite in /);
  assert.match(facts, /Event log\s+embedded log/);
  assert.match(facts, /Services\s+identity/);
  // an ingestion-path write shows in the produced counter at the next refresh
  await server.rt.bus.produce([{ type: 'console-e2e.checked', key: 'health', data: {} }, { type: 'console-e2e.checked', key: 'health', data: {} }], { source: 'e2e' });
  const produced = page.getByTestId('metric-produced').locator('[data-value]');
  await produced.and(page.locator(':not([data-value=""]):not([data-value="0"])')).waitFor();
  assert.ok(Number(await produced.getAttribute('data-value')) >= 2);
  await page.getByTestId('dead-letters-empty').waitFor();
  assert.equal(await page.title(), 'Health · Millrace');
  assert.deepEqual(problems, []);
  await context.close();
});

test('sign out ends the session: a reload asks to sign in again', async () => {
  await register(server, 'leaving@example.com');
  const { context, page } = await openPage(browser);
  await signIn(page, server, 'leaving@example.com');
  await page.getByTestId('sign-out').click();
  await page.getByTestId('sign-in-page').waitFor({ timeout: 5000 });
  await page.reload();
  await page.getByTestId('sign-in-page').waitFor({ timeout: 5000 });
  assert.equal((await context.cookies()).find((c) => c.name === 'mr_session'), undefined);
  await context.close();
});
