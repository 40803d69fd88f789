// Forwarding one request to a backend through its breaker, streaming the answer back; 5xx pass through but count as failures.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isBreakerOpen, type Backend } from './backends.ts';
import { backendUnavailable } from './errors.ts';

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection, never forwarded; host and length are set anew.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);
// fetch decodes compressed bodies, so the encoding (and the length of the encoded body) no longer describe what is sent.
const NOT_RETURNED = new Set([...HOP_BY_HOP, 'content-encoding', 'set-cookie']);

/** A backend answered 5xx: the answer goes to the client, and the breaker counts a failure. */
class BackendServerError extends Error {
  constructor(readonly response: Response) {
    super(`backend answered ${response.status}`);
  }
}

/**
 * Sends `req` (method, path, query, raw body, headers plus x-forwarded-* and x-request-id) to `backend` and streams its
 * status, headers and body back. Connection errors, timeouts and an open breaker become 503 MR_BACKEND_UNAVAILABLE.
 * @example app.all('/api/identity/*', (req, reply) => forward(req, reply, backends.get('identity')!))
 */
export async function forward(req: FastifyRequest, reply: FastifyReply, backend: Backend): Promise<FastifyReply> {
  const target = `${backend.url}${req.url}`;
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (req.body as Buffer | undefined);
  let res: Response;
  try {
    res = await backend.call(async (signal) => {
      const r = await fetch(target, { method: req.method, headers: requestHeaders(req), body: body && body.length > 0 ? body : undefined, signal, redirect: 'manual' });
      if (r.status >= 500) throw new BackendServerError(r);
      return r;
    });
  } catch (err) {
    if (err instanceof BackendServerError) res = err.response;
    else if (isBreakerOpen(err)) throw backendUnavailable(backend.name, 'circuit breaker open', backend.options.resetTimeoutMs / 1000, err);
    else throw backendUnavailable(backend.name, (err as Error).message ?? 'no answer', 1, err);
  }
  reply.code(res.status);
  for (const [name, value] of res.headers) if (!NOT_RETURNED.has(name)) reply.header(name, value);
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  return reply.send(res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : null);
}

function requestHeaders(req: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const prior = req.headers['x-forwarded-for'];
  headers.set('x-forwarded-for', prior ? `${String(prior)}, ${req.ip}` : req.ip);
  headers.set('x-forwarded-proto', req.protocol);
  headers.set('x-forwarded-host', req.host);
  headers.set('x-request-id', typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : req.id);
  return headers;
}
