// OpenAPI 3.1 generated from the declared resources: paths, parameters, zod-derived schemas, problem responses, security schemes.
import { z } from 'zod';
import type { Resource } from './resource.ts';

export interface OpenApiInfo {
  title?: string;
  version?: string;
  description?: string;
  /** Name of the session cookie, for the cookie security scheme. */
  sessionCookie?: string;
}

type Json = Record<string, unknown>;

const pascal = (s: string) => s.replace(/(^|[-_])([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problemRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

function jsonSchema(t: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(t, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  return rest;
}

const problemSchema: Json = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
    code: { type: 'string', description: 'stable error code, e.g. MR_HTTP_VALIDATION' }, instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', required: ['path', 'message', 'code'], properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } } },
  },
};

const problems: Record<string, [number, string]> = {
  BadRequest: [400, 'invalid body or query (field-level `errors`)'],
  Unauthenticated: [401, 'missing or bad credentials'],
  Forbidden: [403, 'not allowed, or CSRF token missing'],
  NotFound: [404, 'no such object (or not yours)'],
  Conflict: [409, 'conflicts with existing state'],
  TooLarge: [413, 'body over the size limit'],
  UnsupportedMediaType: [415, 'body is not application/json'],
  Throttled: [429, 'rate limited; see Retry-After'],
  Internal: [500, 'unexpected error'],
  Unavailable: [503, 'timed out or overloaded; see Retry-After'],
};

const errorResponses = (...names: string[]) =>
  Object.fromEntries(['BadRequest', 'Unauthenticated', 'Forbidden', 'Throttled', 'Internal', 'Unavailable', ...names].map((n) => [String(problems[n]![0]), problemRef(n)]));

function listParameters(r: Resource): Json[] {
  const params: Json[] = [];
  for (const [field, lookups] of Object.entries(r.options.filters ?? {})) {
    const schema = jsonSchema(r.fields.kind(field).schema, 'output');
    for (const l of lookups) {
      const name = l === 'exact' ? field : `${field}__${l}`;
      const s = l === 'in' ? { type: 'string', description: 'comma-separated values' } : l === 'isnull' ? { type: 'boolean' } : schema;
      params.push({ name, in: 'query', required: false, schema: s });
    }
  }
  if ((r.options.search ?? []).length > 0) params.push({ name: 'search', in: 'query', description: `case-insensitive substring of ${r.options.search!.join(', ')}`, schema: { type: 'string', maxLength: 200 } });
  const orderable = [...(r.options.ordering ?? []), r.idField];
  params.push({ name: 'ordering', in: 'query', description: `comma-separated, '-' for descending; fields: ${orderable.join(', ')}`, schema: { type: 'string', default: r.options.defaultOrdering ?? r.idField } });
  params.push({ name: 'limit', in: 'query', description: 'page size (over the maximum is a 400)', schema: { type: 'integer', minimum: 1, maximum: r.pagination.maxSize, default: r.pagination.defaultSize } });
  if (r.pagination.kind === 'cursor') params.push({ name: 'cursor', in: 'query', description: 'opaque; from a previous page\'s `next`', schema: { type: 'string' } });
  else params.push({ name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } });
  return params;
}

const body = (schema: Json) => ({ required: true, content: { 'application/json': { schema } } });
const ok = (description: string, schema?: Json) => (schema ? { description, content: { 'application/json': { schema } } } : { description });

/**
 * Builds the OpenAPI 3.1 document of `resources`.
 * @example app.get('/openapi.json', async () => openApiDocument(resources, { title: 'Millrace' }))
 */
export function openApiDocument(resources: readonly Resource[], info: OpenApiInfo = {}): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const schemas: Record<string, Json> = { Problem: problemSchema };
  const add = (path: string, method: string, op: Json) => ((paths[path] ??= {})[method] = op);
  for (const r of resources) {
    const base = pascal(`${r.options.service}-${r.options.name}`);
    const tags = [`${r.options.service}/${r.options.name}`];
    schemas[base] = jsonSchema(r.fields.output, 'output');
    schemas[`${base}Input`] = jsonSchema(r.fields.input, 'input');
    schemas[`${base}Patch`] = jsonSchema(r.fields.partialInput, 'input');
    schemas[`${base}Page`] = { type: 'object', required: ['items', 'next'], properties: { items: { type: 'array', items: ref(base) }, next: { type: ['string', 'null'] } } };
    const item = `${r.path}/{id}`;
    const idParam = { name: 'id', in: 'path', required: true, schema: jsonSchema(r.fields.kind(r.idField).schema, 'output') };
    const has = (a: string) => (r.standardActions as readonly string[]).includes(a);
    const op = (action: string, extra: Json) => ({ operationId: `${r.options.service}.${r.options.name}.${action}`, tags, ...extra });
    if (has('list')) add(r.path, 'get', op('list', { summary: `List ${r.options.name}`, parameters: listParameters(r), responses: { 200: ok('one page', ref(`${base}Page`)), ...errorResponses() } }));
    if (has('create')) add(r.path, 'post', op('create', { summary: `Create a ${r.options.name} object`, requestBody: body(ref(`${base}Input`)), responses: { 201: ok('created', ref(base)), ...errorResponses('Conflict', 'TooLarge', 'UnsupportedMediaType') } }));
    if (has('retrieve')) add(item, 'get', op('retrieve', { parameters: [idParam], responses: { 200: ok('the object', ref(base)), ...errorResponses('NotFound') } }));
    if (has('update')) add(item, 'put', op('update', { parameters: [idParam], requestBody: body(ref(`${base}Input`)), responses: { 200: ok('updated', ref(base)), ...errorResponses('NotFound', 'Conflict', 'TooLarge', 'UnsupportedMediaType') } }));
    if (has('partialUpdate')) add(item, 'patch', op('partialUpdate', { parameters: [idParam], requestBody: body(ref(`${base}Patch`)), responses: { 200: ok('updated', ref(base)), ...errorResponses('NotFound', 'Conflict', 'TooLarge', 'UnsupportedMediaType') } }));
    if (has('destroy')) add(item, 'delete', op('destroy', { parameters: [idParam], responses: { 204: ok('deleted'), ...errorResponses('NotFound') } }));
    for (const a of r.options.actions ?? []) {
      const path = a.on === 'item' ? `${item}/${a.name}` : `${r.path}/${a.name}`;
      add(path, (a.method ?? 'POST').toLowerCase(), op(a.name, {
        summary: a.summary ?? a.name,
        ...(a.on === 'item' ? { parameters: [idParam] } : {}),
        ...(a.input ? { requestBody: body(jsonSchema(a.input, 'input')) } : {}),
        responses: { 200: ok('done', a.output ? jsonSchema(a.output, 'output') : {}), 204: ok('done, no content'), ...errorResponses('NotFound', 'Conflict') },
      }));
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title ?? 'Millrace API', version: info.version ?? '0.1.0', ...(info.description ? { description: info.description } : {}) },
    paths,
    components: {
      schemas,
      responses: Object.fromEntries(Object.entries(problems).map(([n, [, d]]) => [n, { description: d, content: { 'application/problem+json': { schema: ref('Problem') } } }])),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        cookie: { type: 'apiKey', in: 'cookie', name: info.sessionCookie ?? 'millrace_session', description: 'browser session; unsafe methods also need the x-csrf-token header' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }, { cookie: [] }, {}],
  };
}
