// Serving the web console: files with cache headers, index.html for in-app navigations, API paths untouched, a clear page when unbuilt.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createHttpApp } from '@millrace/platform';
import { CONSOLE_CSP, serveConsole } from './console.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-console-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/app-1a2b.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

async function appWith(dir: string) {
  const app = await createHttpApp({ securityHeaders: { csp: CONSOLE_CSP } });
  app.get('/api/things', async () => ({ ok: true }));
  app.get('/readyz', async () => ({ status: 'ready' }));
  const { built } = await serveConsole(app, { dir });
  await app.ready();
  return { app, built };
}

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

test('serves index.html at / and for browser navigations to in-app paths, under the console CSP', async () => {
  const { app, built } = await appWith(fakeBuild());
  assert.equal(built, true);
  for (const url of ['/', '/events', '/health?x=1', '/orders/42']) {
    const r = await app.inject({ url, headers: html });
    assert.equal(r.statusCode, 200, url);
    assert.match(r.body, /<title>console<\/title>/, url);
    assert.match(String(r.headers['content-type']), /text\/html/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.headers['content-security-policy'], CONSOLE_CSP);
  }
  assert.match(CONSOLE_CSP, /default-src 'self'/);
  assert.match(CONSOLE_CSP, /connect-src 'self'/);
  assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|\*/);
  await app.close();
});

test('hashed assets are cached for good; other files for an hour', async () => {
  const { app } = await appWith(fakeBuild());
  const js = await app.inject('/assets/app-1a2b.js');
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const icon = await app.inject('/favicon.svg');
  assert.equal(icon.statusCode, 200);
  assert.equal(icon.headers['cache-control'], 'public, max-age=3600');
  await app.close();
});

test('API and platform paths keep their answers; unknown ones stay problem+json 404s, even for browsers', async () => {
  const { app } = await appWith(fakeBuild());
  assert.deepEqual((await app.inject({ url: '/api/things', headers: html })).json(), { ok: true });
  assert.deepEqual((await app.inject({ url: '/readyz', headers: html })).json(), { status: 'ready' });
  for (const url of ['/api/nope', '/metrics/x', '/.well-known/nope', '/realtime/x', '/assets/missing.js', '/events']) {
    const r = await app.inject({ url, headers: url === '/events' ? { accept: 'application/json' } : html });
    assert.equal(r.statusCode, 404, url);
    assert.match(String(r.headers['content-type']), /application\/problem\+json/, url);
  }
  const post = await app.inject({ method: 'POST', url: '/events', headers: html, payload: {} });
  assert.equal(post.statusCode, 404);
  await app.close();
});

test('without a build, / says how to make one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-console-empty-'));
  dirs.push(dir);
  const { app, built } = await appWith(dir);
  assert.equal(built, false);
  for (const url of ['/', '/events']) {
    const r = await app.inject({ url, headers: html });
    assert.equal(r.statusCode, 503);
    assert.match(r.body, /npm run build -w apps\/console/);
  }
  assert.equal((await app.inject('/api/nope')).statusCode, 404);
  await app.close();
});
