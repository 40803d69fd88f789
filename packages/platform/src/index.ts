// @millrace/platform: the public entry, curated by hand.
export { loadConfig, type Config } from './config/config.ts';
export { MillraceError, codes, type ErrorKind } from './errors.ts';
export { openDatabase, sql, type Database, type TxHooks, type TransactionOptions, type IsolationLevel } from './db/database.ts';
export { migrate, type Migration, type Migrations } from './db/migrations.ts';
export { isRetryableSqlError } from './db/retry.ts';
export { envelopeFactory, topicOf, uuidv7, type Envelope, type NewEvent } from './events/envelope.ts';
export { defineContract, EventRegistry, type Contract, type EventVersions } from './events/contract.ts';
export { Outbox, readLog, type Tx, type LogPosition, type LogRow } from './events/outbox.ts';
export type { EventBus, Handler, HandlerContext, StartFrom, Subscription, SubscriptionHandle, RetryPolicy } from './events/event-bus.ts';
export { createEventBus, type EventBusOptions } from './events/create-event-bus.ts';
export { createKafkaDriver } from './events/drivers/kafka-driver.ts';
export { createLogDriver } from './events/drivers/log-driver.ts';
export { platformContract, type DeadLetter, type DeadLetters } from './events/dead-letters.ts';
export { migratePlatform, PLATFORM_SCHEMA } from './events/schema.ts';
export { checkCompatibility, type CompatibilityIssue } from './events/schema-compat.ts';
export { createLogger, silentLogger, type Logger } from './observability/logger.ts';
export { createMetrics, type Metrics } from './observability/metrics.ts';
export { createRuntime, type Runtime } from './runtime.ts';
