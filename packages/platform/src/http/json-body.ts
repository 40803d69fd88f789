// JSON request bodies: parsed only as application/json, with a nesting-depth limit and no __proto__ keys.
import type { FastifyInstance } from 'fastify';
import { MillraceError } from '../errors.ts';
import { httpCodes } from './problem.ts';

/**
 * Returns the maximum nesting depth of a JSON text without parsing it (strings are skipped), stopping early past `limit`.
 * @example jsonDepth('{"a":[1]}') === 2
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/**
 * Replaces Fastify's body parsers: only JSON is accepted (anything else is 415), deeper than `maxDepth` is 400.
 * @example installJsonBody(app, { maxDepth: 32 })
 */
export function installJsonBody(app: FastifyInstance, options: { maxDepth: number }): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i, { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepth(text, options.maxDepth) > options.maxDepth) {
      return done(new MillraceError('validation', httpCodes.jsonTooDeep, `JSON nested deeper than ${options.maxDepth} levels`));
    }
    try {
      done(null, JSON.parse(text, (key, value) => {
        if (key === '__proto__') throw new MillraceError('validation', httpCodes.badJson, '"__proto__" is not allowed as a key');
        return value;
      }));
    } catch (err) {
      if (err instanceof MillraceError) return done(err);
      done(new MillraceError('validation', httpCodes.badJson, `malformed JSON: ${(err as Error).message}`));
    }
  });
}
