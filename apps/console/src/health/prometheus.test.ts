// The /metrics parser: labels with escapes, comments, histograms, and the totals the health panel shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheus, platformNumbers, sumOf } from './prometheus.ts';

const TEXT = `# HELP millrace_events_produced_total Events written
# TYPE millrace_events_produced_total counter
millrace_events_produced_total{topic="identity"} 7
millrace_events_produced_total{topic="orders"} 5
millrace_events_consumed_total{group="mail",topic="identity"} 4
millrace_outbox_backlog 2
millrace_consumer_lag{group="mail",topic="identity",partition="0"} 3
millrace_consumer_lag{group="audit",topic="identity",partition="0"} 1
millrace_relay_batch_seconds_bucket{le="+Inf"} 9
weird{msg="a \\"quoted\\" \\\\ value, with comma"} 1.5e3
not a sample line
`;

test('reads samples with labels, escapes and special values; skips comments and garbage', () => {
  const samples = parsePrometheus(TEXT);
  assert.equal(samples.length, 8);
  assert.deepEqual(samples[0], { name: 'millrace_events_produced_total', labels: { topic: 'identity' }, value: 7 });
  assert.deepEqual(samples.at(-1), { name: 'weird', labels: { msg: 'a "quoted" \\ value, with comma' }, value: 1500 });
  assert.equal(sumOf(samples, 'millrace_consumer_lag', { group: 'mail' }), 3);
});

test('totals the platform numbers across topics, groups and partitions; missing metrics count as zero', () => {
  assert.deepEqual(platformNumbers(parsePrometheus(TEXT)), { produced: 12, relayed: 0, consumed: 4, deadLettered: 0, outboxBacklog: 2, consumerLag: 4 });
});
