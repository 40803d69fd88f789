// The live view's event log: newest first, bounded, no duplicates, counts per topic, per-second rate, filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLog, matchesFilter, type LiveEntry } from './event-log.ts';

const entry = (id: string, topic = 'orders', type = `${topic}.thing-happened`, key = `k-${id}`): LiveEntry => ({
  event: { id, type, version: 1, source: topic, key, time: '2026-01-01T00:00:00.000Z', data: { id } },
  channel: topic,
  topic,
  partition: 0,
  position: id,
  receivedAt: 0,
});

test('keeps the newest entries first, at most capacity, and counts every event per topic', () => {
  const log = new EventLog({ capacity: 3 });
  for (const id of ['1', '2', '3', '4']) log.add(entry(id));
  log.add(entry('5', 'identity'));
  const s = log.snapshot();
  assert.deepEqual(s.entries.map((e) => e.event.id), ['5', '4', '3']);
  assert.deepEqual(s.countsByTopic, { orders: 4, identity: 1 });
  assert.equal(s.total, 5);
});

test('refuses an event id seen before, even after clear, and notifies listeners of changes', () => {
  const log = new EventLog();
  let calls = 0;
  const off = log.subscribe(() => calls++);
  assert.equal(log.add(entry('a')), true);
  const before = log.snapshot();
  assert.equal(log.add(entry('a')), false);
  assert.notEqual(log.snapshot(), before, 'a new snapshot object after a change');
  assert.equal(log.snapshot().entries.length, 1);
  assert.equal(log.snapshot().duplicates, 1);
  log.clear();
  assert.equal(log.add(entry('a')), false);
  off();
  log.add(entry('b'));
  assert.equal(calls, 4);
});

test('counts events per second over a sliding window', () => {
  let now = 10_000;
  const log = new EventLog({ windowSeconds: 3, now: () => now });
  log.add(entry('1'));
  log.add(entry('2'));
  now += 1000;
  log.add(entry('3'));
  assert.deepEqual(log.rate(), [0, 2, 1]);
  now += 5000;
  assert.deepEqual(log.rate(), [0, 0, 0]);
});

test('filters by topic exactly, type and key by case-insensitive substring', () => {
  const e = entry('1', 'orders', 'orders.order-placed', 'Cust-42');
  assert.equal(matchesFilter(e, {}), true);
  assert.equal(matchesFilter(e, { topic: 'orders', type: 'PLACED', key: 'cust-4' }), true);
  assert.equal(matchesFilter(e, { topic: 'order' }), false);
  assert.equal(matchesFilter(e, { type: 'cancelled' }), false);
  assert.equal(matchesFilter(e, { key: '43' }), false);
});
