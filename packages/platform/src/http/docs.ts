// The interactive API reference at /docs: Swagger UI served from the swagger-ui-dist package (no CDN), reading /openapi.json.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CSRF_COOKIE, CSRF_HEADER } from './csrf.ts';

// Swagger UI sets inline styles and uses data: images; scripts stay 'self' only.
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const page = (prefix: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${prefix}/swagger-ui.css"><link rel="icon" href="${prefix}/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="${prefix}/swagger-ui-bundle.js"></script><script src="${prefix}/init.js"></script></body></html>`;

// Sends the CSRF token with cookie-authenticated "try it out" requests.
const init = (specUrl: string) => `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', deepLinking: true, withCredentials: true, validatorUrl: null,
  requestInterceptor: function (req) {
    var m = document.cookie.match(/(?:^|; )${CSRF_COOKIE}=([^;]*)/);
    if (m) req.headers[${JSON.stringify(CSRF_HEADER)}] = decodeURIComponent(m[1]);
    return req;
  }
});`;

/**
 * Serves the reference page at `prefix` (default /docs) for the spec at `specUrl`.
 * @example installDocs(app, { specUrl: '/openapi.json' })
 */
export function installDocs(app: FastifyInstance, options: { prefix?: string; specUrl?: string } = {}): void {
  const prefix = options.prefix ?? '/docs';
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Buffer>();
  app.get(prefix, async (_req, reply) => reply.header('content-security-policy', DOCS_CSP).type('text/html; charset=utf-8').send(page(prefix)));
  app.get(`${prefix}/init.js`, async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(init(options.specUrl ?? '/openapi.json')));
  app.get(`${prefix}/:asset`, async (req, reply) => {
    const name = (req.params as { asset: string }).asset;
    const type = assets[name];
    if (!type) return reply.callNotFound();
    let data = cache.get(name);
    if (!data) cache.set(name, (data = await readFile(join(dir, name))));
    return reply.header('cache-control', 'public, max-age=86400').type(type).send(data);
  });
}
