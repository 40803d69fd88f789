// The distributed gateway's API document: every backend's /openapi.json merged into one, cached briefly.
import type { Backend } from './backends.ts';

interface OpenApiDoc {
  openapi?: string;
  info?: Record<string, unknown>;
  paths?: Record<string, unknown>;
  tags?: Array<{ name: string }>;
  components?: Record<string, Record<string, unknown>>;
}

/**
 * Fetches each backend's document (through its breaker) and merges paths, tags and components; a backend that
 * does not answer is listed in `x-missing-backends` instead of failing the whole document.
 * @example app.get('/openapi.json', () => mergedOpenApi(backends, { title: 'Millrace', version: '0.1.0' }))
 */
export function mergedOpenApi(backends: ReadonlyMap<string, Backend>, info: { title: string; version: string }, ttlMs = 30_000) {
  let cached: { at: number; doc: OpenApiDoc } | undefined;
  return async (): Promise<OpenApiDoc> => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.doc;
    const merged: OpenApiDoc & { 'x-missing-backends': string[] } = { openapi: '3.1.0', info: { ...info }, paths: {}, tags: [], components: {}, 'x-missing-backends': [] };
    const docs = await Promise.all([...backends.values()].map(async (b) => {
      try {
        return await b.call(async (signal) => {
          const r = await fetch(`${b.url}/openapi.json`, { signal });
          if (!r.ok) throw new Error(`${b.name} answered ${r.status}`);
          return (await r.json()) as OpenApiDoc;
        });
      } catch {
        merged['x-missing-backends'].push(b.name);
        return undefined;
      }
    }));
    for (const doc of docs) {
      if (!doc) continue;
      Object.assign(merged.paths!, doc.paths ?? {});
      for (const t of doc.tags ?? []) if (!merged.tags!.some((x) => x.name === t.name)) merged.tags!.push(t);
      for (const [kind, entries] of Object.entries(doc.components ?? {})) merged.components![kind] = { ...(merged.components![kind] ?? {}), ...entries };
    }
    cached = { at: Date.now(), doc: merged };
    return merged;
  };
}
