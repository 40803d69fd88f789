// Contracts: a service's published events and their versioned zod schemas, and the registry that decodes them.
import { z } from 'zod';
import { MillraceError, codes } from '../errors.ts';
import { envelopeSchema, type Envelope } from './envelope.ts';

/** Versions of one event type: version number -> schema of `data`. */
export type EventVersions = Readonly<Record<number, z.ZodType>>;

export interface Contract<E extends Record<string, EventVersions> = Record<string, EventVersions>> {
  readonly source: string;
  readonly events: E;
}

/**
 * Declares a service's contract. Never change a published version's schema incompatibly:
 * add a new version instead (`npm run check:contracts` enforces it).
 * @example export const contract = defineContract({ source: 'orders', events: { 'orders.order-placed': { 1: z.object({ total: z.number().int() }) } } })
 */
export function defineContract<E extends Record<string, EventVersions>>(contract: Contract<E>): Contract<E> {
  for (const type of Object.keys(contract.events)) {
    if (!type.includes('.')) {
      throw new Error(`event type ${type} must be <family>.<name>`);
    }
  }
  return Object.freeze({ source: contract.source, events: Object.freeze({ ...contract.events }) });
}

/** Decodes raw messages into validated envelopes, or says precisely why not. */
export class EventRegistry {
  readonly #schemas = new Map<string, z.ZodType>();

  constructor(contracts: readonly Contract[] = []) {
    for (const c of contracts) this.add(c);
  }

  add(contract: Contract): this {
    for (const [type, versions] of Object.entries(contract.events)) {
      for (const [v, schema] of Object.entries(versions)) this.#schemas.set(`${type}@${v}`, schema);
    }
    return this;
  }

  has(type: string, version: number): boolean {
    return this.#schemas.has(`${type}@${version}`);
  }

  /** Validates `data` of an event about to be published; unknown types pass (a registry is opt-in for producers). */
  check(type: string, version: number, data: unknown): void {
    const schema = this.#schemas.get(`${type}@${version}`);
    if (!schema) return;
    const r = schema.safeParse(data);
    if (!r.success) throw schemaError(type, version, r.error);
  }

  /**
   * Parses a raw message value into an envelope whose data matches its registered schema.
   * @throws MillraceError MR_EVENT_MALFORMED | MR_EVENT_UNKNOWN_TYPE | MR_EVENT_SCHEMA_MISMATCH
   */
  decode(raw: string | Buffer | undefined | null): Envelope {
    let json: unknown;
    try {
      json = JSON.parse(raw == null ? '' : raw.toString());
    } catch (cause) {
      throw new MillraceError('validation', codes.eventMalformed, `not JSON: ${(cause as Error).message}`, { cause });
    }
    const env = envelopeSchema.safeParse(json);
    if (!env.success) {
      throw new MillraceError('validation', codes.eventMalformed, `bad envelope: ${formatIssues(env.error)}`, {
        details: env.error.issues,
      });
    }
    const { type, version } = env.data;
    const schema = this.#schemas.get(`${type}@${version}`);
    if (!schema) throw new MillraceError('validation', codes.eventUnknownType, `unknown event type ${type} v${version}`);
    const data = schema.safeParse(env.data.data);
    if (!data.success) throw schemaError(type, version, data.error);
    return { ...env.data, data: data.data } as Envelope;
  }
}

function schemaError(type: string, version: number, error: z.ZodError): MillraceError {
  return new MillraceError('validation', codes.eventSchemaMismatch, `${type} v${version}: ${formatIssues(error)}`, {
    details: error.issues,
  });
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
