// Batch writes: rows locked together, changed in memory, written back with one statement.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { lockMany, updateMany } from './batch.ts';
import { openDatabase, sql, type Database } from './database.ts';

type Row = { id: string; n: number; tags: string[] | null; at: Date };
let db: Database;

before(async () => {
  db = await openDatabase({});
  await sql`create table items (id text primary key, n int not null, tags jsonb, at timestamptz not null)`.execute(db.kysely);
  await sql`insert into items values ('a', 1, null, '2026-01-01T00:00:00Z'), ('b', 2, '["x"]', '2026-01-01T00:00:00Z'), ('c', 3, null, '2026-01-01T00:00:00Z')`.execute(db.kysely);
});
after(() => db.close());

test('lockMany answers the rows in key order, once each; updateMany writes the named columns of each row', async () => {
  await db.transaction(async (trx) => {
    const rows = await lockMany<Row>(trx, 'items', 'id', ['c', 'a', 'c', 'missing']);
    assert.deepEqual(rows.map((r) => r.id), ['a', 'c']);
    const changed = rows.map((r) => ({ ...r, n: r.n * 10, tags: [r.id, 'y'], at: new Date('2026-02-02T00:00:00Z') }));
    await updateMany(trx, 'items', ['id', 'text'], { n: 'int', tags: 'jsonb', at: 'timestamptz' }, changed);
    await updateMany(trx, 'items', ['id', 'text'], { n: 'int' }, []);
  });
  const { rows } = await sql<Row>`select * from items order by id`.execute(db.kysely);
  assert.deepEqual(rows.map((r) => [r.id, r.n, r.tags, r.at.toISOString()]), [
    ['a', 10, ['a', 'y'], '2026-02-02T00:00:00.000Z'],
    ['b', 2, ['x'], '2026-01-01T00:00:00.000Z'],
    ['c', 30, ['c', 'y'], '2026-02-02T00:00:00.000Z'],
  ]);
});

test('a column type that is not a plain SQL type name is refused before any SQL runs', async () => {
  await assert.rejects(updateMany(db.kysely, 'items', ['id', 'text'], { n: 'int); drop table items; --' }, [{ id: 'a', n: 1 }]), /invalid SQL type/);
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from items`.execute(db.kysely);
  assert.equal(rows[0]!.n, '3');
});
