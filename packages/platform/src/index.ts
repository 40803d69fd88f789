// @millrace/platform: the public entry, curated by hand.
export { loadConfig, type Config } from './config/config.ts';
export { MillraceError, codes, type ErrorKind } from './errors.ts';
export { openDatabase, sql, type Database, type TxHooks, type TransactionOptions, type IsolationLevel } from './db/database.ts';
export { migrate, type Migration, type Migrations } from './db/migrations.ts';
export { isRetryableSqlError } from './db/retry.ts';
export { Batcher, lockMany, updateMany, type Settled } from './db/batch.ts';
export { envelopeFactory, topicOf, uuidv7, type Envelope, type NewEvent } from './events/envelope.ts';
export { inNamespace, topicIn } from './events/namespace.ts';
export { defineContract, EventRegistry, type Contract, type EventVersions } from './events/contract.ts';
export { Outbox, readLog, type Tx, type LogPosition, type LogRow } from './events/outbox.ts';
export { comparePositions } from './events/positions.ts';
export type { EventBus, LogRecord, TailOptions, TailHandle, HistoryPage, Handler, HandlerContext, StartFrom, Subscription, SubscriptionHandle, RetryPolicy } from './events/event-bus.ts';
export { createEventBus, type EventBusOptions } from './events/create-event-bus.ts';
export { createLogDriver } from './events/drivers/log-driver.ts';
export { platformContract, type DeadLetter, type DeadLetters } from './events/dead-letters.ts';
export { migratePlatform, PLATFORM_SCHEMA } from './events/schema.ts';
export { checkCompatibility, type CompatibilityIssue } from './events/schema-compat.ts';
export { createLogger, silentLogger, type Logger } from './observability/logger.ts';
export { createMetrics, type Metrics } from './observability/metrics.ts';
export { createRuntime, type Runtime } from './runtime.ts';
export { serviceLifecycle, type Service } from './service.ts';

// http
export type { Principal, Authenticator, AuthRequest } from './http/principal.ts';
export { createHttpApp, type HttpAppOptions } from './http/app.ts';
export { defineResource, STANDARD_ACTIONS, type Resource, type ResourceOptions, type ResourceHooks, type ActionDefinition, type ActionArgs, type CreateArgs, type UpdateArgs, type DestroyArgs, type Obj, type StandardAction } from './http/resource.ts';
export { defineRouter, registerResources, type Router } from './http/router.ts';
export type { RequestContext } from './http/context.ts';
export { allowAny, authenticated, hasRole, hasScope, isOwner, and, or, not, type Permission, type Scope } from './http/permissions.ts';
export { perIp, perPrincipal, anonymousPerIp, perAction, memoryRateStore, parseRate, type Throttle, type ThrottleDecision, type RateStore, type ThrottleOptions } from './http/throttling.ts';
export { redisRateStore } from './http/redis-rate-store.ts';
export { LoginGuard, memoryLoginGuardStore, redisLoginGuardStore, type LoginGuardOptions, type LoginGuardStore, type LockPolicy } from './http/login-guard.ts';
export { encodeCursor, readCursor } from './http/pagination.ts';
export { cursorPagination, limitOffsetPagination, type Paginator, type PageSizeOptions } from './http/pagination.ts';
export type { FilterSpec, Lookup } from './http/filters.ts';
export { httpCodes, problemOf, validationError, type Problem, type FieldError, type ProblemDetails } from './http/problem.ts';
export { sendProblem, toMillraceError } from './http/error-handler.ts';
export { issueCsrfToken, verifyCsrfToken, CSRF_COOKIE, CSRF_HEADER } from './http/csrf.ts';
export { openApiDocument, type OpenApiInfo } from './http/openapi.ts';
export { installDocs } from './http/docs.ts';

// realtime
export { createRealtimeGateway, type RealtimeGateway, type RealtimeGatewayOptions } from './realtime/gateway.ts';
export { defineChannel, authorize, type Channel, type ChannelDefinition, type ObjectLoader } from './realtime/channels.ts';
export { PROTOCOL, closeCodes, parseChannel, type ClientMessage, type ServerMessage } from './realtime/protocol.ts';
