// Serves the web console built by Vite (apps/console/dist): hashed assets cached for good, index.html (always revalidated) for in-app paths.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build -w apps/console` writes the console (run by `npm ci` / `npm install` through the root `prepare` script). */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/**
 * The Content-Security-Policy of every answer: the console loads scripts, styles and images from its own origin
 * only and opens its WebSocket to the same origin (`connect-src 'self'` covers ws:/wss: of the same host).
 * Never looser than the platform's default (`default-src 'self'`, no framing, no base, forms to self).
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** First path segments owned by the API and the platform's endpoints: never answered with the console's page. */
const RESERVED = new Set(['api', 'healthz', 'readyz', 'metrics', 'docs', 'openapi.json', '.well-known', 'realtime']);

const BUILD_COMMAND = 'npm run build -w apps/console';

export interface ConsoleOptions {
  /** The built console; default CONSOLE_DIST. */
  readonly dir?: string;
}

/**
 * Registers the console's files and the fallback that answers index.html for browser navigations to any other
 * path (the console routes in the page). Without a build, `/` explains how to make one.
 * @example const { built } = await serveConsole(app)
 */
export async function serveConsole(app: FastifyInstance, options: ConsoleOptions = {}): Promise<{ built: boolean }> {
  const dir = options.dir ?? CONSOLE_DIST;
  const built = existsSync(join(dir, 'index.html'));
  const page = built ? (reply: FastifyReply) => reply.sendFile('index.html') : notBuilt;
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // one route per file found now, so nothing but these files is ever read from disk
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (res, path) => {
        // Vite puts a content hash in every asset name (a changed file is a new URL); index.html names the current ones
        const cache = path.includes('/assets/') ? 'public, max-age=31536000, immutable' : path.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600';
        res.setHeader('cache-control', cache);
      },
    });
  }
  app.get('/', async (_req, reply) => page(reply));
  app.get('/*', async (req, reply) => (isNavigation(req) ? page(reply) : reply.callNotFound()));
  return { built };
}

/** A browser asking for a page at a path the console may route, not an API client or an asset. */
function isNavigation(req: FastifyRequest): boolean {
  const first = req.url.split('?')[0]!.split('/')[1] ?? '';
  // a missing /assets/ file is a stale hashed name: a 404, not the page
  return !RESERVED.has(first) && first !== 'assets' && String(req.headers.accept ?? '').includes('text/html');
}

function notBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Millrace: console not built</title></head>
<body><h1>The Millrace console is not built</h1>
<p>The server runs, but <code>apps/console/dist</code> is missing. Build the console with
<code>${BUILD_COMMAND}</code> (<code>npm ci</code> and <code>npm install</code> do it), then restart the server.</p>
<p>Meanwhile: <a href="/api/platform/status">/api/platform/status</a>, <a href="/readyz">/readyz</a>,
<a href="/metrics">/metrics</a>, <a href="/docs">/docs</a>.</p></body></html>`);
}
