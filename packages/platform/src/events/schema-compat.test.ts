import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { checkCompatibility } from './schema-compat.ts';

const js = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input' });
const base = z.object({ id: z.string(), amount: z.number().int(), status: z.enum(['a', 'b']), note: z.string().optional() });

test('identical and additive-optional changes are compatible', () => {
  assert.deepEqual(checkCompatibility(js(base), js(base)), []);
  assert.deepEqual(checkCompatibility(js(base), js(base.extend({ extra: z.string().optional() }))), []);
  assert.deepEqual(checkCompatibility(js(base), js(base.extend({ status: z.enum(['a', 'b', 'c']) }))), []);
  assert.deepEqual(checkCompatibility(js(base), js(base.extend({ amount: z.number() }))), [], 'integer widened to number');
});

test('breaking changes are reported with their path', () => {
  const problems = (next: z.ZodType) => checkCompatibility(js(base), js(next)).map((i) => `${i.path}: ${i.problem}`);
  assert.deepEqual(problems(base.extend({ extra: z.string() })), ['$.extra: new required field (old events do not have it)']);
  assert.deepEqual(problems(base.omit({ note: true })), ['$.note: field removed']);
  assert.deepEqual(problems(base.extend({ amount: z.string() })), ['$.amount: type integer is no longer accepted']);
  assert.deepEqual(problems(base.extend({ status: z.enum(['a']) })), ['$.status: enum value "b" removed']);
  assert.deepEqual(problems(base.extend({ id: z.string().min(3) })), ['$.id: minLength tightened']);
  assert.deepEqual(problems(base.extend({ note: z.string() })), ['$.note: new required field (old events do not have it)']);
});

test('nested objects and arrays are checked', () => {
  const v1 = z.object({ lines: z.array(z.object({ sku: z.string(), qty: z.number().int() })) });
  const v1b = z.object({ lines: z.array(z.object({ sku: z.string(), qty: z.string() })) });
  assert.deepEqual(checkCompatibility(js(v1), js(v1b)).map((i) => i.path), ['$.lines[].qty']);
});
