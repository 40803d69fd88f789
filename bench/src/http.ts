// `npm run bench -- http`: authenticated list (read) and create (row + outbox, write) over HTTP on PostgreSQL,
// Millrace (createHttpApp + resource + identity's JWT authenticator) vs bare Fastify + pg with the same JWT check.
// The server runs in a child process; autocannon (JS API) runs in this one.
import autocannon, { type AutocannonResult } from 'autocannon';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { openDatabase, sql, type Database } from '@millrace/platform';
import { createWidgetsTable, freshPostgres } from '@millrace/platform/testing';
import { createIdentity, issueAccessToken, loadIdentityConfig } from '@millrace/identity';
import type { ServerConfig } from './lib/http-server.ts';
import { machine, median, progress, repoRoot, round, table, writeResult } from './lib/stats.ts';

type AppName = ServerConfig['app'];
type Route = 'list' | 'create';
type Mode = 'saturated' | 'paced';

const arg = (args: string[], name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const strArg = (args: string[], name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};

const USERS = 50;
const SEED_ROWS = 10_000;
const POOL_SIZE = 20;
const PACED_RATE = 500; // 500 users at 1 request/s each

async function seed(db: Database): Promise<void> {
  await createWidgetsTable(db); // the same table as the HTTP tests' sample resource
  await sql`
    insert into shop.widgets (id, owner_id, status, title, body, price, credit, created_at)
    select gen_random_uuid(), 'user-' || (i % ${USERS}), 'draft', 'widget ' || i, 'seeded', (i * 7) % 100000, 0,
           now() - make_interval(secs => ${SEED_ROWS} - i)
    from generate_series(1, ${SEED_ROWS}) as i`.execute(db.kysely);
  await sql`analyze shop.widgets`.execute(db.kysely);
}

async function counts(db: Database): Promise<{ widgets: number; outbox: number }> {
  const { rows } = await sql<{ w: string; o: string }>`select (select count(*) from shop.widgets) as w, (select count(*) from millrace.outbox) as o`.execute(db.kysely);
  return { widgets: Number(rows[0]!.w), outbox: Number(rows[0]!.o) };
}

interface Server { app: AppName; child: ChildProcess; base: string }

async function startServer(cfg: ServerConfig): Promise<Server> {
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', 'bench/src/lib/http-server.ts'], {
    cwd: repoRoot, env: { ...process.env, BENCH_HTTP_CONFIG: JSON.stringify(cfg) }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => {
      const m = /^READY (\d+)$/.exec(l);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${cfg.app} server exited with ${code}`)));
  });
  return { app: cfg.app, child, base: `http://127.0.0.1:${port}` };
}

async function serverCreated(s: Server): Promise<number> {
  return ((await (await fetch(`${s.base}/__bench/stats`)).json()) as { created: number }).created;
}

/** The load generator of saturated runs: wrk (C, 2 threads) when installed, else autocannon (JS, in this process). */
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p));

/** What the report reads of a load run (autocannon's result shape; wrk's summary is mapped onto it). */
type LoadResult = Pick<AutocannonResult, '2xx' | 'duration' | 'errors' | 'timeouts' | 'non2xx'> & {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; mean: number; max: number };
  statusCodeStats?: AutocannonResult['statusCodeStats'];
};

const WRK_SCRIPT = `
local tokens, n, method, body_prefix = {}, 0, "GET", nil
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  method = args[2]
  n = math.random(1, #tokens)
end
function request()
  n = n + 1
  local headers = { ["authorization"] = "Bearer " .. tokens[(n % #tokens) + 1] }
  if method == "POST" then
    headers["content-type"] = "application/json"
    return wrk.format("POST", "/api/shop/widgets", headers, '{"title":"bench ' .. n .. '","price":' .. (n % 1000) .. '}')
  end
  return wrk.format("GET", "/api/shop/widgets", headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"p50_us":%d,"p99_us":%d,"mean_us":%f,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status, latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
`;

async function loadWithWrk(s: Server, route: Route, seconds: number, connections: number, tokens: string[]): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mr-wrk-'));
  writeFileSync(join(dir, 'tokens.txt'), `${tokens.join('\n')}\n`);
  writeFileSync(join(dir, 'load.lua'), WRK_SCRIPT);
  const { stdout } = await promisify(execFile)(WRK!, [
    '-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '-s', join(dir, 'load.lua'), `${s.base}/api/shop/widgets`, '--',
    join(dir, 'tokens.txt'), route === 'list' ? 'GET' : 'POST',
  ], { maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const w = JSON.parse(line.slice(8)) as { requests: number; duration_us: number; connect: number; read: number; write: number; timeout: number; status: number; p50_us: number; p99_us: number; mean_us: number; max_us: number };
  const duration = w.duration_us / 1e6;
  return {
    '2xx': w.requests - w.status, duration, errors: w.connect + w.read + w.write, timeouts: w.timeout, non2xx: w.status,
    requests: { average: w.requests / duration, total: w.requests },
    latency: { p50: round(w.p50_us / 1000, 1), p99: round(w.p99_us / 1000, 1), mean: w.mean_us / 1000, max: round(w.max_us / 1000, 1) },
  };
}

function load(s: Server, route: Route, mode: Mode, seconds: number, connections: number, tokens: string[]): Promise<LoadResult> {
  if (mode === 'saturated' && WRK) return loadWithWrk(s, route, seconds, connections, tokens);
  let n = 0;
  const next = () => tokens[n++ % tokens.length]!;
  return autocannon({
    url: s.base,
    connections,
    duration: seconds,
    timeout: 30,
    ...(mode === 'paced' ? { overallRate: PACED_RATE } : {}),
    requests: [route === 'list'
      ? { method: 'GET', path: '/api/shop/widgets', setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${next()}` } }) }
      : {
          method: 'POST', path: '/api/shop/widgets',
          setupRequest: (req) => ({
            ...req,
            headers: { authorization: `Bearer ${next()}`, 'content-type': 'application/json' },
            body: JSON.stringify({ title: `bench ${n}`, price: n % 1000 }),
          }),
        }],
  });
}

interface Sample {
  run: number; rps: number; ok_per_s: number; p50_ms: number; p99_ms: number; mean_ms: number; max_ms: number;
  requests: number; ok: number; errors: number; timeouts: number; non2xx: number; status: Record<string, number>;
  writes?: { server_201: number; client_2xx: number; rows_added: number; outbox_added: number; landed: boolean };
}

export async function run(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 10);
  const warmup = arg(args, 'warmup', 2);
  const runs = arg(args, 'runs', 3);
  const connections = arg(args, 'connections', 500);
  const apps = strArg(args, 'apps', 'millrace,bare,bare-noauth').split(',') as AppName[];
  const routes: Route[] = ['list', 'create'];
  const modes: Mode[] = ['saturated', 'paced'];

  const loadBefore = loadavg().map((x) => round(x, 2));
  progress(`PostgreSQL: fresh database, ${SEED_ROWS} widgets across ${USERS} users`);
  const pg = await freshPostgres('mr_bench_http');
  const db = await openDatabase({ url: pg.url, poolSize: 2 });
  await seed(db);
  const env = { IDENTITY_ACCESS_TOKEN_TTL_SECONDS: '14400' };
  const config = loadIdentityConfig(env);
  const identity = await createIdentity({ db, config });
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) tokens.push((await issueAccessToken(identity.keys, config, { sub: `user-${i}`, roles: [] }, new Date())).token);
  const jwks = (await identity.keys.publicJwks()) as ServerConfig['jwks'];
  progress(`issued ${tokens.length} EdDSA access tokens (identity's SigningKeyStore)`);

  const servers = new Map<AppName, Server>();
  try {
    for (const app of apps) {
      servers.set(app, await startServer({ app, url: pg.url, poolSize: POOL_SIZE, issuer: config.issuer, audience: config.audience, jwks, env }));
      const s = servers.get(app)!;
      // sanity: a page of 20 of the caller's rows, and a 201
      const list = await fetch(`${s.base}/api/shop/widgets`, { headers: { authorization: `Bearer ${tokens[0]}` } });
      const page = (await list.json()) as { items: Array<{ ownerId: string }>; next: string | null };
      if (list.status !== 200 || page.items.length !== 20 || page.items.some((w) => w.ownerId !== 'user-0') || !page.next) {
        throw new Error(`${app}: unexpected list answer ${list.status} ${JSON.stringify(page).slice(0, 300)}`);
      }
      const next = await fetch(`${s.base}${page.next}`, { headers: { authorization: `Bearer ${tokens[0]}` } });
      if (next.status !== 200) throw new Error(`${app}: next page answered ${next.status}`);
      const bad = await fetch(`${s.base}/api/shop/widgets`, { headers: { authorization: 'Bearer nope' } });
      if (app !== 'bare-noauth' && bad.status !== 401) throw new Error(`${app}: a bad token answered ${bad.status}`);
      progress(`${app} server up at ${s.base} (list: 20 of the caller's rows + next cursor; bad token: ${bad.status})`);
    }

    const samples = new Map<string, Sample[]>();
    const key = (app: AppName, route: Route, mode: Mode) => `${app}|${route}|${mode}`;
    for (let r = 1; r <= runs; r++) {
      for (const route of routes) {
        for (const mode of modes) {
          for (const app of apps) {
            const s = servers.get(app)!;
            const before = await counts(db);
            const created0 = await serverCreated(s);
            let warm2xx = 0;
            if (warmup > 0) warm2xx = (await load(s, route, mode, warmup, connections, tokens))['2xx'];
            const res = await load(s, route, mode, seconds, connections, tokens);
            const status: Record<string, number> = {};
            for (const [code, v] of Object.entries(res.statusCodeStats ?? {})) status[code] = (v as { count: number }).count;
            const sample: Sample = {
              run: r,
              rps: round(res.requests.average, 0),
              ok_per_s: round(res['2xx'] / res.duration, 0),
              p50_ms: res.latency.p50, p99_ms: res.latency.p99, mean_ms: round(res.latency.mean, 2), max_ms: res.latency.max,
              requests: res.requests.total, ok: res['2xx'], errors: res.errors, timeouts: res.timeouts, non2xx: res.non2xx, status,
            };
            if (route === 'create') {
              // requests queued in the server when autocannon stopped still finish: wait until the counts settle
              let after = await counts(db);
              let server201 = (await serverCreated(s)) - created0;
              for (let i = 0; i < 100; i++) {
                await new Promise((done) => setTimeout(done, 200));
                const a = await counts(db);
                const c = (await serverCreated(s)) - created0;
                const settled = a.widgets === after.widgets && c === server201;
                after = a;
                server201 = c;
                if (settled) break;
              }
              const rows = after.widgets - before.widgets;
              const outbox = after.outbox - before.outbox;
              sample.writes = {
                server_201: server201, client_2xx: warm2xx + res['2xx'], rows_added: rows, outbox_added: outbox,
                // every acknowledged create is a row with its event; the client saw at most what was sent before it closed
                landed: rows === server201 && outbox === server201 && warm2xx + res['2xx'] <= server201,
              };
            }
            (samples.get(key(app, route, mode)) ?? samples.set(key(app, route, mode), []).get(key(app, route, mode))!).push(sample);
            progress(`run ${r}/${runs} ${route} ${mode} ${app}: ${sample.rps} req/s, p50 ${sample.p50_ms} ms, p99 ${sample.p99_ms} ms, `
              + `errors ${sample.errors}, timeouts ${sample.timeouts}, non2xx ${sample.non2xx}`
              + (sample.writes ? `, rows +${sample.writes.rows_added}, outbox +${sample.writes.outbox_added}, server 201s ${sample.writes.server_201}` : ''));
          }
        }
      }
    }

    const summary = (app: AppName, route: Route, mode: Mode) => {
      const xs = samples.get(key(app, route, mode)) ?? [];
      const sum = (f: (x: Sample) => number) => xs.reduce((a, x) => a + f(x), 0);
      return {
        rps: median(xs.map((x) => x.rps)), ok_per_s: median(xs.map((x) => x.ok_per_s)),
        p50_ms: median(xs.map((x) => x.p50_ms)), p99_ms: median(xs.map((x) => x.p99_ms)), mean_ms: median(xs.map((x) => x.mean_ms)),
        errors: sum((x) => x.errors), timeouts: sum((x) => x.timeouts), non2xx: sum((x) => x.non2xx),
        ...(route === 'create' ? { writes_landed: xs.every((x) => x.writes?.landed) } : {}),
        runs: xs,
      };
    };
    const results: Record<string, Record<string, Record<string, ReturnType<typeof summary>>>> = {};
    for (const app of apps) {
      results[app] = {};
      for (const route of routes) {
        results[app]![route] = {};
        for (const mode of modes) results[app]![route]![mode] = summary(app, route, mode);
      }
    }
    const final = await counts(db);
    const loadAfter = loadavg().map((x) => round(x, 2));

    const notes = [
      `Server (child process, node --import tsx), the load generator and PostgreSQL all share the same ${machine().cpus} cores: absolute numbers are lower than on a dedicated setup and the load generator takes CPU from the server. Saturated runs use ${WRK ? 'wrk (C, 2 threads, Lua script rotating the tokens)' : 'autocannon (wrk not installed)'}; paced runs use autocannon (constant rate, corrected for coordinated omission).`,
      `Load average (1/5/15 min) before the run ${loadBefore.join(' / ')}, after ${loadAfter.join(' / ')}: other processes on the machine compete for the same cores.`,
      `bare-noauth: bare, but the token's sub is read without verifying the signature (jose decodeJwt): shows what the EdDSA verification costs.`,
      `Millrace: createHttpApp (security headers, JSON body checks, error handling; no throttles, no CORS, no OpenAPI) + a widgets resource (owner-scoped via isOwner, cursor pagination page size 20, create with performCreate setting the owner) + identity's real JWT authenticator (createIdentity, EdDSA keys in PostgreSQL, verified against SigningKeyStore.publicJwks()). Pool ${POOL_SIZE} connections.`,
      `Creates go through the resource router's default group commit (Outbox.groupCommit: concurrent requests share one transaction and one commit, each answered after that commit; a failing one is re-run alone). Identity's JWT authenticator remembers verified tokens until they expire (an EdDSA check per token, not per request).`,
      `Bare: Fastify + pg Pool (${POOL_SIZE}) with the same JWT verification (jose jwtVerify, EdDSA, iss/aud/typ/required claims, JWKS imported once), the same keyset SQL (owner_id = $1 order by created_at desc, id desc limit 21, base64url cursor) and for create: begin, insert returning, one outbox insert, commit (no set_config, no pg_notify, no validation framework, no permissions).`,
      `${USERS} users, tokens issued up front and used round-robin; ${SEED_ROWS} seeded rows (${SEED_ROWS / USERS} per user) before the run, growing as creates land.`,
      `Saturated: ${connections} connections, ${seconds} s after a ${warmup} s warm-up. Paced: ${connections} connections at ${PACED_RATE} requests/s overall (${round(PACED_RATE / connections, 2)} request/s per connection), ${seconds} s after a ${warmup} s warm-up; autocannon corrects paced latencies for coordinated omission. Latencies count 2xx answers only.`,
      `Apps are interleaved within each run (same route and mode back to back). ${runs} runs; the tables show medians, all runs are in the JSON.`,
      `Write check: after each create measurement, rows added == outbox rows added == 201 answers the server sent, and the client's 2xx count <= that (requests in flight when autocannon closed its connections complete on the server but are not counted by the client).`,
    ];
    const cell = (x: number) => String(x);
    const ratio = (a: number, b: number) => (b > 0 ? `${round(a / b, 2)}x` : 'n/a');
    const rows: Array<Array<string | number>> = [];
    const get = (app: AppName, route: Route, mode: Mode) => results[app]?.[route]?.[mode];
    for (const route of routes) {
      for (const mode of modes) {
        const mm = get('millrace', route, mode);
        const bb = get('bare', route, mode);
        if (!mm || !bb) continue;
        rows.push([
          `${route === 'list' ? 'read (list)' : 'write (create)'}`, mode,
          cell(mm.rps), cell(bb.rps), ratio(mm.rps, bb.rps),
          cell(mm.p50_ms), cell(bb.p50_ms), cell(mm.p99_ms), cell(bb.p99_ms), ratio(mm.p99_ms, bb.p99_ms),
          `${mm.errors + mm.timeouts}/${mm.non2xx}`, `${bb.errors + bb.timeouts}/${bb.non2xx}`,
        ]);
      }
    }
    const extraRows: Array<Array<string | number>> = [];
    for (const app of apps) {
      for (const route of routes) {
        for (const mode of modes) {
          const x = results[app]![route]![mode]!;
          extraRows.push([app, route, mode, x.rps, x.p50_ms, x.p99_ms, x.mean_ms, x.errors, x.timeouts, x.non2xx, 'writes_landed' in x ? String(x.writes_landed) : '']);
        }
      }
    }
    const lp = get('millrace', 'list', 'paced');
    const cp = get('millrace', 'create', 'paced');
    const ls = get('millrace', 'list', 'saturated');
    const cs = get('millrace', 'create', 'saturated');
    const targets = lp && cp && ls && cs ? [
      ['paced p99 read <= 10 ms', `${lp.p99_ms} ms`, lp.p99_ms <= 10 ? 'met' : 'not met'],
      ['paced p99 write <= 25 ms', `${cp.p99_ms} ms`, cp.p99_ms <= 25 ? 'met' : 'not met'],
      ['saturated reads >= 10,000/s', `${ls.rps}/s`, ls.rps >= 10_000 ? 'met' : 'not met'],
      ['saturated writes >= 5,000/s', `${cs.rps}/s`, cs.rps >= 5_000 ? 'met' : 'not met'],
      ['reference paper, 500 users: mean read 45 ms / write 78 ms', `saturated mean: read ${ls.mean_ms} ms, write ${cs.mean_ms} ms`, ''],
    ] : [];
    const markdown = [
      '# HTTP: authenticated list and create, Millrace vs bare Fastify (PostgreSQL)',
      '',
      `\`npm run bench -- http${args.length ? ` ${args.join(' ')}` : ''}\`, ${new Date().toISOString().slice(0, 10)}, ${machine().cpus} cores (${machine().cpu_model}), Node ${machine().node}. `
        + `Server, load generator and PostgreSQL share these ${machine().cpus} cores. Medians of ${runs} runs.`,
      '',
      table(['route', 'mode', 'Millrace req/s', 'bare req/s', 'req/s ratio', 'Millrace p50 ms', 'bare p50 ms', 'Millrace p99 ms', 'bare p99 ms', 'p99 ratio', 'Millrace errors/non2xx', 'bare errors/non2xx'], rows),
      '',
      'Targets (Millrace):',
      '',
      table(['target', 'measured', ''], targets),
      '',
      'All apps:',
      '',
      table(['app', 'route', 'mode', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'errors', 'timeouts', 'non2xx', 'writes landed'], extraRows),
      '',
      `Rows at the end: ${final.widgets} widgets (${SEED_ROWS} seeded), ${final.outbox} outbox rows.`,
      '',
      ...notes.map((n) => `* ${n}`),
    ].join('\n');
    writeResult('http', {
      generated_at: new Date().toISOString(),
      machine: machine(),
      command: `npm run bench -- http${args.length ? ` ${args.join(' ')}` : ''}`,
      notes,
      load_average: { before: loadBefore, after: loadAfter },
      settings: { seconds, warmup, runs, connections, paced_rate: PACED_RATE, users: USERS, seed_rows: SEED_ROWS, pool_size: POOL_SIZE, page_size: 20 },
      final_counts: final,
      results,
    }, markdown);
  } finally {
    for (const s of servers.values()) s.child.kill('SIGTERM');
    await db.close();
    await Promise.all([...servers.values()].map((s) => new Promise((done) => (s.child.exitCode !== null ? done(null) : s.child.once('exit', done)))));
    await pg.drop().catch(() => undefined);
  }
}
