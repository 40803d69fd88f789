// Browser: the gateway drops every WebSocket mid-stream while writes go on; after the reconnect each missed event shows exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { eventually, launchBrowser, openPage, PASSWORD, register, rowIds, settleAndClear, signIn, startServer, type ConsoleServer } from './harness.ts';

let server: ConsoleServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await register(server, 'admin@example.com'); // admin: follows the identity and millrace channels
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('events written while the connection is down are replayed on resume, none twice, none lost', async () => {
  const { context, page, problems } = await openPage(browser);
  await signIn(page, server, 'admin@example.com');
  const badge = page.getByTestId('connection-status');
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  for (const topic of ['identity', 'millrace']) await page.locator(`[data-testid="topic-count"][data-topic="${topic}"]`).waitFor();
  await settleAndClear(page, server);

  // the ids of everything written from now on, per topic in log order, read from the log itself
  const written = new Map<string, string[]>([['identity', []], ['millrace', []]]);
  const tail = await server.rt.bus.tail({
    topics: [...written.keys()],
    onRecords: (rs) => rs.forEach((r) => written.get(r.topic)!.push((JSON.parse(r.value) as { id: string }).id)),
  });
  const all = () => [...written.values()].flat();

  // real writes go on all along: registrations and logins (identity publishes an event for each)
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      await register(server, `stream-${i}@example.com`);
      const login = await fetch(`${server.url}/api/identity/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `stream-${i}@example.com`, password: PASSWORD }),
      });
      assert.equal(login.status, 200);
    }
  })();

  await eventually(async () => (await rowIds(page)).length >= 4, 'the first events live');
  for (let drop = 0; drop < 2; drop++) {
    assert.ok(server.app.realtime.terminateAll() >= 1, 'the page was connected');
    // written before the client can be back (its first retry waits at least 125 ms): these must come by replay
    await server.rt.bus.produce(
      [1, 2, 3].map((n) => ({ type: 'millrace.console-e2e-tick', key: `drop-${drop}`, data: { n } })),
      { source: 'console-e2e' },
    );
    await page.locator(`[data-testid="connection-status"][data-state="resumed"][data-resumes="${drop + 1}"][data-recovered="true"]`).waitFor();
    await eventually(async () => Number(await badge.getAttribute('data-replayed')) >= 3, 'the missed events replayed');
  }
  writing = false;
  await writer;
  await eventually(async () => (await rowIds(page)).length >= all().length, `all ${all().length} events on screen`, 20_000);
  await tail.close();

  const shown = await rowIds(page);
  assert.equal(new Set(shown).size, shown.length, 'no event shown twice');
  assert.deepEqual([...shown].sort(), all().sort(), 'every written event shown, nothing else');
  for (const [topic, ids] of written) {
    const onScreen = await page.$$eval(`[data-testid="event-row"]`, (rows, t) => rows.filter((r) => r.querySelector('.channel')?.textContent === t).map((r) => r.getAttribute('data-event-id')), topic);
    assert.deepEqual(onScreen, [...ids].reverse(), `${topic}: newest first, in log order`);
  }
  assert.ok(written.get('identity')!.length >= 4);
  assert.equal(await badge.getAttribute('data-recovered'), 'true');
  assert.deepEqual(problems, []);
  await context.close();
});
