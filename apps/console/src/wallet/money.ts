// Money in the console: integer minor units as decimal strings on the wire, bigint in arithmetic, never a float.

const digitsCache = new Map<string, number>();

/**
 * Minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, BHD 3), from the platform's Intl data; 2 when unknown.
 * @example fractionDigits('JPY') // 0
 */
export function fractionDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

export interface FormatOptions {
  /** Prefix positive amounts with `+` (statement lines). */
  readonly signed?: boolean;
  /** Append the currency code (default true). */
  readonly code?: boolean;
}

/**
 * Formats minor units exactly: digit groups, the currency's decimals, a real minus sign.
 * @example formatMoney('-123456', 'EUR') // '−1,234.56 EUR'
 */
export function formatMoney(minor: string | bigint, currency: string, options: FormatOptions = {}): string {
  const v = typeof minor === 'bigint' ? minor : BigInt(minor);
  const d = fractionDigits(currency);
  const abs = v < 0n ? -v : v;
  const base = 10n ** BigInt(d);
  const whole = (abs / base).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = d > 0 ? `.${(abs % base).toString().padStart(d, '0')}` : '';
  const sign = v < 0n ? '\u2212' : options.signed && v > 0n ? '+' : '';
  return `${sign}${whole}${fraction}${options.code === false ? '' : ` ${currency}`}`;
}

const MAX_MINOR = 9_223_372_036_854_775_807n;

export type ParsedAmount = { readonly ok: true; readonly minor: string } | { readonly ok: false; readonly error: string };

/**
 * Reads a positive amount typed in major units ("12.5", "1,250.00", "1 250") into minor units, exactly.
 * @example parseAmount('12.5', 'EUR') // { ok: true, minor: '1250' }
 */
export function parseAmount(input: string, currency: string): ParsedAmount {
  const d = fractionDigits(currency);
  const text = input.trim().replace(/[\s,_']/g, '');
  const m = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!text || !m || (m[1] === '' && !m[2])) return { ok: false, error: 'Enter an amount, e.g. 12.50.' };
  const fraction = m[2] ?? '';
  if (fraction.length > d) {
    return { ok: false, error: d === 0 ? `${currency} has no decimals.` : `${currency} has at most ${d} decimals.` };
  }
  const minor = BigInt(`${m[1] || '0'}${fraction.padEnd(d, '0')}`);
  if (minor <= 0n) return { ok: false, error: 'The amount must be more than zero.' };
  if (minor > MAX_MINOR) return { ok: false, error: 'The amount is too large.' };
  return { ok: true, minor: minor.toString() };
}

/**
 * A balance as a number for charts only (their pixels do not need exact cents; arithmetic stays in bigint).
 * @example chartValue('1250', 'EUR') // 12.5
 */
export function chartValue(minor: string, currency: string): number {
  return Number(BigInt(minor)) / 10 ** fractionDigits(currency);
}
