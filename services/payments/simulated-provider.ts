// The default payment provider: a simulation with configurable latency, decline rate, outage mode and lost responses.
import { createHash, randomUUID } from 'node:crypto';
import { migrate, sql, type Database } from '@millrace/platform';
import { providerUnavailable, type AuthorizeRequest, type AuthorizeResult, type CaptureRequest, type PaymentProvider, type RefundRequest } from './provider.ts';

export interface SimulatedProviderOptions {
  /** Latency of each call in ms: a fixed value or a [min, max] range. Default [2, 10]. */
  readonly latencyMs?: number | readonly [number, number];
  /** Share of authorizations declined, 0..1, decided by the idempotency key (a retry gets the same answer). Default 0. */
  readonly declineRate?: number;
  /** Every call fails as unreachable while true. Change it at run time with `setOutage`. */
  readonly outage?: boolean;
  /** Share of calls whose effect happens but whose answer is lost (the caller sees a timeout). Default 0. */
  readonly lostResponseRate?: number;
  /** Where the provider keeps its records. Default: memory. `sqlProviderRecords(db)` survives restarts (chaos tests). */
  readonly records?: ProviderRecords;
  readonly random?: () => number;
}

/** The provider's own memory of operations by idempotency key: what makes it safe to retry. */
export interface ProviderRecords {
  /** Stores `result` for `key` unless one exists; answers the stored one. */
  putIfAbsent(key: string, op: { kind: 'authorize' | 'capture' | 'refund'; reference: string; amount: number }, result: object): Promise<object>;
}

export function memoryProviderRecords(): ProviderRecords & { readonly size: number } {
  const m = new Map<string, object>();
  return {
    get size() {
      return m.size;
    },
    async putIfAbsent(key, _op, result) {
      if (!m.has(key)) m.set(key, result);
      return m.get(key)!;
    },
  };
}

/** Records in the `paysim` schema: the simulated provider's side of the world, for reconciliation queries. */
export async function sqlProviderRecords(db: Database): Promise<ProviderRecords> {
  await migrate(db, 'paysim', {
    '0001_init': {
      async up(k) {
        await sql`create table paysim.operations (
          idempotency_key text primary key, kind text not null, reference text not null, amount bigint not null,
          result jsonb not null, created_at timestamptz not null default now())`.execute(k);
        await sql`create index operations_reference on paysim.operations (reference, kind)`.execute(k);
      },
    },
  });
  return {
    async putIfAbsent(key, op, result) {
      const ins = await sql<{ result: object }>`
        insert into paysim.operations (idempotency_key, kind, reference, amount, result)
        values (${key}, ${op.kind}, ${op.reference}, ${op.amount}, ${JSON.stringify(result)}::jsonb)
        on conflict do nothing returning result`.execute(db.kysely);
      if (ins.rows[0]) return ins.rows[0].result;
      const { rows } = await sql<{ result: object }>`select result from paysim.operations where idempotency_key = ${key}`.execute(db.kysely);
      return rows[0]!.result;
    },
  };
}

export interface SimulatedProvider extends PaymentProvider {
  setOutage(on: boolean): void;
  /** Calls made, by kind (retries included). */
  readonly calls: Readonly<Record<'authorize' | 'capture' | 'refund', number>>;
}

/**
 * @example const provider = simulatedProvider({ latencyMs: [5, 20], declineRate: 0.1 }); provider.setOutage(true)
 */
export function simulatedProvider(options: SimulatedProviderOptions = {}): SimulatedProvider {
  const random = options.random ?? Math.random;
  const records = options.records ?? memoryProviderRecords();
  let outage = options.outage ?? false;
  const calls = { authorize: 0, capture: 0, refund: 0 };
  const latency = () => {
    const l = options.latencyMs ?? [2, 10];
    const ms = typeof l === 'number' ? l : l[0] + random() * (l[1] - l[0]);
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  };
  async function call<T extends object>(kind: keyof typeof calls, key: string, op: { reference: string; amount: number }, make: () => T): Promise<T> {
    calls[kind]++;
    await latency();
    if (outage) throw providerUnavailable(`simulated provider: outage (${kind})`);
    const result = (await records.putIfAbsent(key, { kind, ...op }, make())) as T;
    if ((options.lostResponseRate ?? 0) > 0 && random() < options.lostResponseRate!) throw providerUnavailable(`simulated provider: response lost (${kind})`);
    return result;
  }
  return {
    name: 'simulated',
    calls,
    setOutage(on) {
      outage = on;
    },
    authorize: (r: AuthorizeRequest) =>
      call<AuthorizeResult>('authorize', r.idempotencyKey, { reference: r.reference, amount: r.amount }, () =>
        declined(r.idempotencyKey, options.declineRate ?? 0)
          ? { status: 'declined', reason: 'card declined (simulated)' }
          : { status: 'authorized', authorizationId: `auth_${randomUUID()}` }),
    capture: (r: CaptureRequest) => call('capture', r.idempotencyKey, { reference: r.reference, amount: r.amount }, () => ({ captureId: `cap_${randomUUID()}` })),
    refund: (r: RefundRequest) => call('refund', r.idempotencyKey, { reference: r.reference, amount: r.amount }, () => ({ refundId: `ref_${randomUUID()}` })),
  };
}

/** Deterministic per key: a retried authorization gets the answer the first one got. */
function declined(key: string, rate: number): boolean {
  if (rate <= 0) return false;
  const h = createHash('sha256').update(key).digest().readUInt32BE(0);
  return h / 0xffffffff < rate;
}
