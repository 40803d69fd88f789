// Money formatting and parsing: exact minor units through bigint, per-currency decimals, no float rounding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMoney, fractionDigits, parseAmount } from './money.ts';

test('currencies have their own number of decimals', () => {
  assert.equal(fractionDigits('EUR'), 2);
  assert.equal(fractionDigits('JPY'), 0);
  assert.equal(fractionDigits('BHD'), 3);
});

test('formats minor units exactly, beyond the safe integer range', () => {
  assert.equal(formatMoney('123456', 'EUR'), '1,234.56 EUR');
  assert.equal(formatMoney('-5', 'EUR'), '\u22120.05 EUR');
  assert.equal(formatMoney(0n, 'EUR'), '0.00 EUR');
  assert.equal(formatMoney('1000', 'JPY'), '1,000 JPY');
  assert.equal(formatMoney('250', 'EUR', { signed: true, code: false }), '+2.50');
  assert.equal(formatMoney('9223372036854775807', 'EUR'), '92,233,720,368,547,758.07 EUR');
});

test('parses typed amounts into minor units without floats', () => {
  assert.deepEqual(parseAmount('12.5', 'EUR'), { ok: true, minor: '1250' });
  assert.deepEqual(parseAmount('1,250.07', 'EUR'), { ok: true, minor: '125007' });
  assert.deepEqual(parseAmount('.1', 'EUR'), { ok: true, minor: '10' });
  // 0.1 + 0.2 style inputs stay exact
  assert.deepEqual(parseAmount('0.29', 'EUR'), { ok: true, minor: '29' });
  assert.deepEqual(parseAmount('500', 'JPY'), { ok: true, minor: '500' });
  assert.deepEqual(parseAmount('92233720368547758.07', 'EUR'), { ok: true, minor: '9223372036854775807' });
});

test('refuses what is not a positive amount of the currency', () => {
  for (const bad of ['', '.', 'abc', '-3', '1e3', '1.2.3']) assert.equal(parseAmount(bad, 'EUR').ok, false, bad);
  assert.deepEqual(parseAmount('0.00', 'EUR'), { ok: false, error: 'The amount must be more than zero.' });
  assert.deepEqual(parseAmount('1.005', 'EUR'), { ok: false, error: 'EUR has at most 2 decimals.' });
  assert.deepEqual(parseAmount('1.5', 'JPY'), { ok: false, error: 'JPY has no decimals.' });
  assert.deepEqual(parseAmount('92233720368547758.08', 'EUR'), { ok: false, error: 'The amount is too large.' });
});
