// Test helpers for HTTP suites: a terse inject() wrapper.
import type { FastifyInstance } from 'fastify';

export interface Call {
  user?: string;
  body?: unknown;
  /** Raw payload (sent as is, with content-type application/json unless headers say otherwise). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

/** Sends one request through fastify.inject(). */
export async function call(app: FastifyInstance, method: string, url: string, c: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(c.user ? { 'x-test-user': c.user } : {}), ...c.headers };
  const hasBody = c.body !== undefined || c.raw !== undefined;
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(hasBody ? { payload: c.raw ?? JSON.stringify(c.body) } : {}),
  });
  let json: unknown;
  try {
    json = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, json, text: res.body };
}

export const newWidget = (over: Record<string, unknown> = {}) => ({ title: 'Gear', price: 1999, ...over });
