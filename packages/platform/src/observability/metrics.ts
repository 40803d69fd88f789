// Prometheus metrics of the platform, declared in one place (names: millrace_<thing>_<unit>).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly eventsProduced: Counter<'topic'>;
  readonly eventsRelayed: Counter<'topic'>;
  readonly eventsConsumed: Counter<'group' | 'topic'>;
  readonly eventsRetried: Counter<'group' | 'topic'>;
  readonly eventsDeadLettered: Counter<'group' | 'topic'>;
  readonly eventsDuplicate: Counter<'group'>;
  readonly outboxBacklog: Gauge;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly relayBatchSeconds: Histogram;
  readonly consumerBatchSeconds: Histogram<'group'>;
  readonly realtimeConnections: Gauge;
  readonly realtimeSubscriptions: Gauge;
  readonly realtimeMessagesSent: Counter;
  readonly realtimeReplayed: Counter;
  readonly realtimeDisconnects: Counter<'reason'>;
  readonly realtimeDeliveryLagSeconds: Histogram;
  readonly realtimeSendQueuePeakBytes: Gauge;
}

/**
 * Creates a metrics set on its own registry (one per process, or per test).
 * @example const metrics = createMetrics({ defaultMetrics: true }); await metrics.registry.metrics()
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'millrace_process_' });
  const registers = [registry];
  return {
    registry,
    eventsProduced: new Counter({ name: 'millrace_events_produced_total', help: 'Events written to the outbox or produced directly', labelNames: ['topic'], registers }),
    eventsRelayed: new Counter({ name: 'millrace_events_relayed_total', help: 'Outbox events relayed to Kafka', labelNames: ['topic'], registers }),
    eventsConsumed: new Counter({ name: 'millrace_events_consumed_total', help: 'Events whose effect was committed by a consumer group', labelNames: ['group', 'topic'], registers }),
    eventsRetried: new Counter({ name: 'millrace_events_retried_total', help: 'Handler attempts that failed and were retried', labelNames: ['group', 'topic'], registers }),
    eventsDeadLettered: new Counter({ name: 'millrace_events_dead_lettered_total', help: 'Events moved to the dead-letter topic', labelNames: ['group', 'topic'], registers }),
    eventsDuplicate: new Counter({ name: 'millrace_events_duplicate_total', help: 'Redelivered events skipped by the inbox', labelNames: ['group'], registers }),
    outboxBacklog: new Gauge({ name: 'millrace_outbox_backlog', help: 'Outbox rows not yet relayed (kafka driver) or not yet read by the slowest group (log driver)', registers }),
    consumerLag: new Gauge({ name: 'millrace_consumer_lag', help: 'Messages between the committed position and the end of the log', labelNames: ['group', 'topic', 'partition'], registers }),
    relayBatchSeconds: new Histogram({ name: 'millrace_relay_batch_seconds', help: 'Time to relay one outbox batch', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    consumerBatchSeconds: new Histogram({ name: 'millrace_consumer_batch_seconds', help: 'Time to apply one batch of events in one transaction', labelNames: ['group'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    realtimeConnections: new Gauge({ name: 'millrace_realtime_connections', help: 'Open WebSocket connections on the realtime gateway', registers }),
    realtimeSubscriptions: new Gauge({ name: 'millrace_realtime_subscriptions', help: 'Channel subscriptions on the realtime gateway', registers }),
    realtimeMessagesSent: new Counter({ name: 'millrace_realtime_messages_sent_total', help: 'Events pushed to clients (live and replayed)', registers }),
    realtimeReplayed: new Counter({ name: 'millrace_realtime_replayed_total', help: 'Events replayed to resuming clients', registers }),
    realtimeDisconnects: new Counter({ name: 'millrace_realtime_disconnects_total', help: 'Connections closed by the gateway, by reason', labelNames: ['reason'], registers }),
    realtimeSendQueuePeakBytes: new Gauge({ name: 'millrace_realtime_send_queue_peak_bytes', help: 'Largest send queue of one client seen since start (the slow-consumer limit bounds it)', registers }),
    realtimeDeliveryLagSeconds: new Histogram({ name: 'millrace_realtime_delivery_lag_seconds', help: 'From the event time to its push by the gateway', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers }),
  };
}

/** Increments a per-topic counter once per topic for a batch of items. */
export function countByTopic(counter: Counter<'topic'>, topics: Iterable<string>): void {
  const counts = new Map<string, number>();
  for (const t of topics) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [topic, n] of counts) counter.inc({ topic }, n);
}
