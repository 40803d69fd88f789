// Chooses the event bus driver: kafka when brokers are configured, the embedded log otherwise.
import type { Database } from '../db/database.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EventRegistry } from './contract.ts';
import { createKafkaDriver } from './drivers/kafka-driver.ts';
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
 * @example const bus = createEventBus({ db, registry, log, kafkaBrokers: config.kafkaBrokers })
 */
export function createEventBus(options: EventBusOptions): EventBus {
  if (options.kafkaBrokers && options.kafkaBrokers.length > 0) {
    return createKafkaDriver({ ...options, brokers: options.kafkaBrokers });
  }
  return createLogDriver(options);
}
