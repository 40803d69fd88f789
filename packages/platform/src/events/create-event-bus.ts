// Chooses the event bus driver: kafka when brokers are configured, the embedded log otherwise.
import type { Database } from '../db/database.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventRegistry } from './contract.ts';
import { createLogDriver } from './drivers/log-driver.ts';
import type { EventBus } from './event-bus.ts';

export interface EventBusOptions {
  readonly db: Database;
  readonly registry: EventRegistry;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly kafkaBrokers?: readonly string[] | undefined;
  readonly clientId?: string;
  readonly relayBatch?: number;
  readonly partitions?: number;
  readonly replicationFactor?: number;
}

/**
 * The Kafka client is loaded only when Kafka is configured: the embedded mode stays small (about 60 MB less).
 * @example const bus = await createEventBus({ db, registry, log, kafkaBrokers: config.kafkaBrokers })
 */
export async function createEventBus(options: EventBusOptions): Promise<EventBus> {
  if (options.kafkaBrokers && options.kafkaBrokers.length > 0) {
    const { createKafkaDriver } = await import('./drivers/kafka-driver.ts');
    return createKafkaDriver({ ...options, brokers: options.kafkaBrokers });
  }
  return createLogDriver(options);
}
