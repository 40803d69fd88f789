// Browser test harness: a real Millrace server in-process (embedded, PGlite in a temp dir, port 0) and headless Chromium.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, loadConfig, silentLogger, type Runtime } from '@millrace/platform';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildServer, CONTRACTS } from '../../server/src/server.ts';

export const PASSWORD = 'correct horse battery staple';
const CONSOLE = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

export interface ConsoleServer {
  readonly url: string;
  readonly rt: Runtime;
  readonly app: Awaited<ReturnType<typeof buildServer>>;
  close(): Promise<void>;
}

/** Starts the whole server as `npm start` does, on a free port, with a fresh database. */
export async function startServer(): Promise<ConsoleServer> {
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'millrace-console-e2e-'));
  const rt = await createRuntime(loadConfig({ MILLRACE_DATA_DIR: dataDir }), { log: silentLogger(), contracts: CONTRACTS });
  await rt.bus.start();
  const app = await buildServer(rt, { env: { IDENTITY_ARGON2_MEMORY_KIB: '19456', MILLRACE_CSRF_SECRET: 'e2e-'.repeat(11) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    rt,
    app,
    async close() {
      await app.close();
      await rt.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium as installed by the system (CI installs it when missing). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile (no cookies) with a page that fails the test on uncaught page errors and CSP violations. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
  return { context, page, problems };
}

/** Registers an account through the API (the first one on a fresh server becomes admin). */
export async function register(server: ConsoleServer, email: string): Promise<{ id: string; role: string }> {
  const r = await fetch(`${server.url}/api/identity/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (r.status !== 201) throw new Error(`register ${email}: ${r.status} ${await r.text()}`);
  return (await r.json()) as { id: string; role: string };
}

/** Signs in through the form and waits for the console. */
export async function signIn(page: Page, server: ConsoleServer, email: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
}

/**
 * Waits until the live view has everything written so far (a marker event produced now shows up; the user must
 * follow the `millrace` channel), then clears the list, so a test counts only what it writes next.
 */
export async function settleAndClear(page: Page, server: ConsoleServer): Promise<void> {
  const [marker] = await server.rt.bus.produce([{ type: 'millrace.console-e2e-marker', key: 'marker', data: {} }], { source: 'console-e2e' });
  await page.locator(`[data-testid="event-row"][data-event-id="${marker!.id}"]`).waitFor();
  await page.getByRole('button', { name: 'Clear' }).click();
  await eventually(async () => (await rowIds(page)).length === 0, 'an empty list after Clear');
}

/** Event ids of the rows in the live view, in DOM order (newest first). */
export async function rowIds(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="event-row"]', (rows) => rows.map((r) => r.getAttribute('data-event-id') ?? ''));
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Builds the console when its dist is missing or older than its sources, so the tests never run stale code. */
function ensureBuilt(): void {
  const index = join(CONSOLE, 'dist', 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const sources = [join(CONSOLE, 'index.html'), join(CONSOLE, 'vite.config.ts'), ...files(join(CONSOLE, 'src')), ...files(join(CONSOLE, 'public'))];
  if (built > 0 && sources.every((f) => statSync(f).mtimeMs <= built)) return;
  const r = spawnSync('npm', ['run', 'build', '-w', 'apps/console'], { cwd: join(CONSOLE, '..', '..'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : [join(dir, d.name)]));
}

/** An access token for direct API calls, as a script or another device of the same user would hold. */
export async function accessToken(server: ConsoleServer, email: string): Promise<string> {
  const r = await fetch(`${server.url}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(r.status, 200);
  return ((await r.json()) as { accessToken: string }).accessToken;
}

/** A JSON API call with a bearer token. */
export async function apiCall(
  server: ConsoleServer, method: string, path: string, bearer: string, body?: unknown, headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}
