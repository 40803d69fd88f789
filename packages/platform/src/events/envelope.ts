// The event envelope: CloudEvents-style attributes around a typed payload.
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';

/** The envelope every event travels in. `key` is the aggregate id and the Kafka message key. */
export interface Envelope<D = unknown> {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly source: string;
  readonly key: string;
  readonly time: string;
  readonly traceparent?: string | undefined;
  readonly data: D;
}

export const envelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'type is <family>.<name>, lower-case'),
  version: z.number().int().min(1),
  source: z.string().min(1),
  key: z.string().min(1).max(512),
  time: z.string().datetime({ offset: true }),
  traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/).optional(),
  data: z.unknown(),
});

/** What a producer supplies; the platform fills id, time and version defaults. */
export interface NewEvent<D = unknown> {
  readonly type: string;
  readonly key: string;
  readonly data: D;
  readonly version?: number;
  readonly id?: string;
  readonly traceparent?: string;
  /** Topic override; by default the family (the type up to its last dot). */
  readonly topic?: string;
}

export interface EnvelopeFactory {
  (event: NewEvent): { topic: string; envelope: Envelope };
}

/** Topic of an event type: its family, the part before the last dot (`orders.order-placed` -> `orders`). */
export function topicOf(type: string): string {
  const i = type.lastIndexOf('.');
  return i > 0 ? type.slice(0, i) : type;
}

/**
 * Builds envelopes for one source, with injectable clock and id generator.
 * @example const make = envelopeFactory({ source: 'orders' }); make({ type: 'orders.order-placed', key: id, data })
 */
export function envelopeFactory(options: {
  source: string;
  now?: () => Date;
  newId?: () => string;
}): EnvelopeFactory {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? uuidv7;
  let lastMs = Number.NaN;
  let lastIso = '';
  const timestamp = () => {
    const d = now();
    const ms = d.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = d.toISOString(); // one formatting per millisecond: batches share it
    }
    return lastIso;
  };
  return (event) => {
    const envelope: Envelope = {
      id: event.id ?? newId(),
      type: event.type,
      version: event.version ?? 1,
      source: options.source,
      key: event.key,
      time: timestamp(),
      ...(event.traceparent ? { traceparent: event.traceparent } : {}),
      data: event.data,
    };
    return { topic: event.topic ?? topicOf(event.type), envelope };
  };
}

export { uuidv7 };
