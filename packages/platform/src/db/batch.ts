// Batch writes: rows loaded and locked together, changed in memory, written back with one statement.
import { sql, type Kysely, type Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Executor = Kysely<any> | Transaction<any>;

const TYPE = /^[a-z][a-z0-9 ]*(\[\])?$/;

/**
 * Updates many rows with one statement: each row's `columns` (name -> SQL type) are set where its `key` matches.
 * Rows are objects as loaded (`selectAll`) and changed in memory; they travel as one JSON document.
 * @example await updateMany(trx, 'orders.orders', ['id', 'text'], { status: 'text', version: 'int' }, rows)
 */
export async function updateMany(
  ex: Executor,
  table: string,
  key: readonly [name: string, type: string],
  columns: Readonly<Record<string, string>>,
  rows: readonly object[],
): Promise<void> {
  if (rows.length === 0) return;
  const types = { [key[0]]: key[1], ...columns };
  for (const [name, type] of Object.entries(types)) {
    if (!TYPE.test(type)) throw new Error(`updateMany: ${name} has an invalid SQL type ${type}`);
  }
  const set = sql.join(Object.keys(columns).map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`));
  const shape = sql.join(Object.entries(types).map(([c, t]) => sql`${sql.ref(c)} ${sql.raw(t)}`));
  await sql`
    update ${sql.table(table)} as t set ${set}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(${shape})
    where t.${sql.ref(key[0])} = v.${sql.ref(key[0])}`.execute(ex);
}

/**
 * Selects the rows whose `column` is one of `values`, locked FOR UPDATE in `orderBy` order (one lock order for every
 * caller, so batches never deadlock each other).
 * @example const rows = await lockMany<OrderRow>(trx, 'orders.orders', 'id', ids)
 */
export async function lockMany<Row>(ex: Executor, table: string, column: string, values: readonly string[], orderBy = column): Promise<Row[]> {
  if (values.length === 0) return [];
  const { rows } = await sql<Row>`
    select * from ${sql.table(table)} where ${sql.ref(column)} = any(${[...new Set(values)]}::text[])
    order by ${sql.ref(orderBy)} for update`.execute(ex);
  return rows;
}

/** One item's outcome in a batch: its value, or the error that is its alone. */
export type Settled<O> = { readonly ok: O } | { readonly err: unknown };

/**
 * Collects concurrent requests into batches and runs each batch with one call (typically one transaction that reads
 * and writes each table once). At most `concurrency` batches run at a time; whatever arrives meanwhile waits for
 * the next. `run` answers each item's outcome in order; if `run` itself throws, every item of the batch gets the error.
 * @example const placer = new Batcher((items) => placeAll(items)); const order = await placer.submit(request)
 */
export class Batcher<I, O> {
  readonly #run: (items: readonly I[]) => Promise<ReadonlyArray<Settled<O>>>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #queue: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  #active = 0;

  constructor(run: (items: readonly I[]) => Promise<ReadonlyArray<Settled<O>>>, options: { maxBatch?: number; concurrency?: number } = {}) {
    this.#run = run;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#concurrency = options.concurrency ?? 1;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#active < this.#concurrency) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#active++;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          const out = await this.#run(batch.map((b) => b.item));
          batch.forEach((b, i) => {
            const r = out[i]!;
            if ('ok' in r) b.resolve(r.ok);
            else b.reject(r.err);
          });
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.#active--;
    }
  }
}
