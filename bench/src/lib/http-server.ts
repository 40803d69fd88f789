// Child process of `npm run bench -- http`: one app (Millrace or bare Fastify) with a widgets list and create,
// listening on a free port. Config comes as JSON in BENCH_HTTP_CONFIG; prints `READY <port>` once listening.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import pg from 'pg';
import {
  Outbox, authenticated, createHttpApp, cursorPagination, defineResource, defineRouter, isOwner, openDatabase, registerResources,
} from '@millrace/platform';
import { createIdentity, loadIdentityConfig } from '@millrace/identity';
import { widgetSchema } from '@millrace/platform/testing';

export interface ServerConfig {
  readonly app: 'millrace' | 'bare' | 'bare-noauth';
  readonly url: string;
  readonly poolSize: number;
  readonly issuer: string;
  readonly audience: string;
  readonly jwks: JSONWebKeySet;
  readonly env: Record<string, string>;
}

const cfg = JSON.parse(process.env.BENCH_HTTP_CONFIG ?? '{}') as ServerConfig;

/** Counts 201 answers to POST as they are sent: the server-side number of acknowledged creates. */
function countCreates(app: FastifyInstance): () => number {
  let created = 0;
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method === 'POST' && reply.statusCode === 201) created++;
    return payload;
  });
  return () => created;
}

async function millraceApp(): Promise<FastifyInstance> {
  const db = await openDatabase({ url: cfg.url, poolSize: cfg.poolSize });
  const identity = await createIdentity({ db, config: loadIdentityConfig(cfg.env) });
  const app = await createHttpApp({ authenticators: [identity.authenticators.jwt], openapi: false });
  const created = countCreates(app);
  app.get('/__bench/stats', async () => ({ created: created() }));
  const widgets = defineResource({
    service: 'shop',
    name: 'widgets',
    table: 'shop.widgets',
    schema: widgetSchema,
    readOnly: ['id', 'ownerId', 'credit', 'createdAt'],
    writeOnly: ['secretNote'],
    ordering: ['createdAt'],
    defaultOrdering: '-createdAt',
    pagination: cursorPagination({ defaultSize: 20, maxSize: 100 }),
    permissions: { default: isOwner('ownerId'), create: authenticated },
    events: { created: 'shop.widget-created' },
    hooks: { performCreate: ({ ctx, save }) => save({ ownerId: ctx.principal!.id, credit: 0 }) },
  });
  registerResources(app, defineRouter({ outbox: new Outbox(db, { source: 'shop' }), resources: [widgets] }));
  app.addHook('onClose', async () => db.close());
  return app;
}

interface Row {
  id: string; owner_id: string; status: string; title: string; body: string; price: string; credit: string; category: string | null; created_at: Date;
}
const represent = (r: Row) => ({
  id: r.id, ownerId: r.owner_id, status: r.status, title: r.title, body: r.body,
  price: Number(r.price), credit: Number(r.credit), category: r.category, createdAt: r.created_at.toISOString(),
});
const COLUMNS = 'id, owner_id, status, title, body, price, credit, category, created_at';

/** Bare Fastify + pg: the same two routes and SQL, the same JWT check (or none: the token's sub is read unverified), no Millrace layer. */
async function bareApp(auth: boolean): Promise<FastifyInstance> {
  const pool = new pg.Pool({ connectionString: cfg.url, max: cfg.poolSize });
  const jwks = createLocalJWKSet(cfg.jwks);
  const app = Fastify() as unknown as FastifyInstance;
  const created = countCreates(app);
  app.get('/__bench/stats', async () => ({ created: created() }));
  const userOf = async (header: string | undefined): Promise<string | null> => {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return null;
    try {
      if (!auth) return decodeJwt(m[1]!).sub ?? null; // no verification: the caller is whoever the token names
      const { payload } = await jwtVerify(m[1]!, jwks, {
        algorithms: ['EdDSA'], issuer: cfg.issuer, audience: cfg.audience, typ: 'at+jwt', requiredClaims: ['sub', 'jti', 'exp', 'iat'],
      });
      return payload.sub ?? null;
    } catch {
      return null;
    }
  };
  app.get('/api/shop/widgets', async (req, reply) => {
    const user = await userOf(req.headers.authorization);
    if (!user) return reply.code(401).send({ code: 'unauthenticated' });
    const q = req.query as { limit?: string; cursor?: string };
    const limit = q.limit ? Number(q.limit) : 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return reply.code(400).send({ code: 'bad limit' });
    let rows: Row[];
    if (q.cursor) {
      const [at, id] = JSON.parse(Buffer.from(q.cursor, 'base64url').toString()) as [string, string];
      rows = (await pool.query<Row>(
        `select ${COLUMNS} from shop.widgets where owner_id = $1 and (created_at, id) < ($2, $3) order by created_at desc, id desc limit $4`,
        [user, at, id, limit + 1],
      )).rows;
    } else {
      rows = (await pool.query<Row>(`select ${COLUMNS} from shop.widgets where owner_id = $1 order by created_at desc, id desc limit $2`, [user, limit + 1])).rows;
    }
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next = rows.length > limit && last
      ? `/api/shop/widgets?limit=${limit}&cursor=${Buffer.from(JSON.stringify([last.created_at.toISOString(), last.id])).toString('base64url')}`
      : null;
    return { items: page.map(represent), next };
  });
  app.post('/api/shop/widgets', async (req, reply) => {
    const user = await userOf(req.headers.authorization);
    if (!user) return reply.code(401).send({ code: 'unauthenticated' });
    const b = req.body as { title?: unknown; price?: unknown } | null;
    if (!b || typeof b.title !== 'string' || typeof b.price !== 'number') return reply.code(400).send({ code: 'invalid' });
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<Row>(
        `insert into shop.widgets (id, owner_id, status, title, body, price, credit) values ($1, $2, 'draft', $3, '', $4, 0) returning ${COLUMNS}`,
        [randomUUID(), user, b.title, b.price],
      );
      const obj = represent(rows[0]!);
      const envelope = { id: randomUUID(), type: 'shop.widget-created', version: 1, source: 'shop', key: obj.id, time: new Date().toISOString(), data: obj };
      await client.query(
        'insert into millrace.outbox (topic, key, event_id, type, payload) values ($1, $2, $3, $4, $5)',
        ['shop', obj.id, envelope.id, envelope.type, JSON.stringify(envelope)],
      );
      await client.query('commit');
      return reply.code(201).header('location', `/api/shop/widgets/${obj.id}`).send(obj);
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  });
  app.addHook('onClose', async () => pool.end());
  return app;
}

const app = cfg.app === 'millrace' ? await millraceApp() : await bareApp(cfg.app === 'bare');
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
process.stdout.write(`READY ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.on('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
