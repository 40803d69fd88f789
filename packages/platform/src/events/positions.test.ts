// Stream positions order like the integers they are made of, without parsing them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { comparePositions, isPosition } from './positions.ts';

const bigCompare = (a: string, b: string) => {
  const pa = a.split(':').map(BigInt);
  const pb = b.split(':').map(BigInt);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

test('Kafka offsets and log positions compare as integers, part by part', () => {
  assert.equal(comparePositions('9', '10'), -1);
  assert.equal(comparePositions('-1', '0'), -1);
  assert.equal(comparePositions('100', '100'), 0);
  assert.equal(comparePositions('10:3', '9:7'), 1);
  assert.equal(comparePositions('10:3', '10:12'), -1);
  const offset = fc.oneof(fc.constant('-1'), fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String));
  const logPos = fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 63n }), fc.bigInt({ min: 0n, max: 2n ** 63n })).map(([t, i]) => `${t}:${i}`);
  fc.assert(fc.property(offset, offset, (a, b) => comparePositions(a, b) === bigCompare(a, b)));
  fc.assert(fc.property(logPos, logPos, (a, b) => comparePositions(a, b) === bigCompare(a, b)));
  fc.assert(fc.property(logPos, (a) => isPosition(a)));
});
