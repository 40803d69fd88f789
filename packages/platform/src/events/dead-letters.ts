// Dead letters: listing, re-drive through the group's (fixed) handler, and discard; each resolution exactly once.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { MillraceError, codes } from '../errors.ts';
import { defineContract } from './contract.ts';
import type { Processor } from './processor.ts';
import type { Logger } from '../observability/logger.ts';

/** The platform's own events. */
export const platformContract = defineContract({
  source: 'millrace',
  events: {
    'millrace.dead-lettered': {
      1: z.object({
        group: z.string(),
        topic: z.string(),
        partition: z.number().int(),
        position: z.string(),
        errorCode: z.string(),
        error: z.string(),
        attempts: z.number().int(),
        payload: z.string(),
      }),
    },
  },
});

export interface DeadLetter {
  readonly id: string;
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly position: string;
  readonly key: string | null;
  readonly eventId: string | null;
  readonly payload: string;
  readonly errorCode: string;
  readonly error: string;
  readonly attempts: number;
  readonly status: 'dead' | 'redriven' | 'discarded';
  readonly createdAt: Date;
}

export interface DeadLetters {
  list(filter?: { group?: string; status?: DeadLetter['status']; afterId?: string; limit?: number }): Promise<DeadLetter[]>;
  /** Runs the group's handler on the stored message, in one transaction with the status change. */
  redrive(id: string): Promise<DeadLetter>;
  discard(id: string): Promise<DeadLetter>;
}

export function deadLetters(db: Database, processors: (group: string) => Processor | undefined, log: Logger): DeadLetters {
  async function get(id: string): Promise<DeadLetter> {
    const row = (await select(db.kysely, sql`where id = ${id}::bigint`, 1))[0];
    if (!row) throw new MillraceError('not-found', codes.deadLetterNotFound, `no dead letter ${id}`);
    return row;
  }
  return {
    async list(filter = {}) {
      const conds = [sql`true`];
      if (filter.group) conds.push(sql`group_name = ${filter.group}`);
      if (filter.status) conds.push(sql`status = ${filter.status}`);
      if (filter.afterId) conds.push(sql`id > ${filter.afterId}::bigint`);
      return select(db.kysely, sql`where ${sql.join(conds, sql` and `)}`, Math.min(filter.limit ?? 100, 1000));
    },
    async redrive(id) {
      const letter = await get(id);
      const processor = processors(letter.group);
      if (!processor) throw new MillraceError('conflict', codes.deadLetterState, `group ${letter.group} is not subscribed in this process`);
      await processor.outbox.transaction(async (tx) => {
        const claimed = await sql`update millrace.dead_letters set status = 'redriven', resolved_at = now() where id = ${id}::bigint and status = 'dead' returning id`.execute(tx.db);
        if (claimed.rows.length === 0) throw new MillraceError('conflict', codes.deadLetterState, `dead letter ${id} is already ${letter.status}`);
        const envelope = processor.registry.decode(letter.payload);
        await processor.apply([envelope], {
          tx,
          topic: letter.topic,
          partition: letter.partition,
          position: letter.position,
          log: log.child({ group: letter.group, eventId: envelope.id, redrive: id }),
        });
      });
      return get(id);
    },
    async discard(id) {
      const r = await sql`update millrace.dead_letters set status = 'discarded', resolved_at = now() where id = ${id}::bigint and status = 'dead' returning id`.execute(db.kysely);
      if (r.rows.length === 0) throw new MillraceError('conflict', codes.deadLetterState, `dead letter ${id} is not dead`);
      return get(id);
    },
  };
}

async function select(k: Database['kysely'], where: ReturnType<typeof sql>, limit: number): Promise<DeadLetter[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select id::text as id, group_name, topic, partition, position, key, event_id, payload, error_code, error, attempts, status, created_at
    from millrace.dead_letters ${where} order by id limit ${limit}
  `.execute(k);
  return rows.map((r) => ({
    id: r.id as string,
    group: r.group_name as string,
    topic: r.topic as string,
    partition: r.partition as number,
    position: r.position as string,
    key: r.key as string | null,
    eventId: r.event_id as string | null,
    payload: r.payload as string,
    errorCode: r.error_code as string,
    error: r.error as string,
    attempts: r.attempts as number,
    status: r.status as DeadLetter['status'],
    createdAt: r.created_at as Date,
  }));
}
