// Payments' settings from the environment, parsed once: the simulated provider's latency, decline rate and outage mode.
import { MillraceError, codes } from '@millrace/platform';
import { z } from 'zod';
import type { SimulatedProviderOptions } from './simulated-provider.ts';

const latency = z.string().regex(/^\d+(-\d+)?$/, 'milliseconds, or a range like 2-10').transform((v): number | [number, number] => {
  const [a, b] = v.split('-').map(Number);
  return b === undefined ? a! : [a!, b];
});

const schema = z.object({
  PAYMENTS_SIM_LATENCY_MS: latency.default([2, 10]),
  PAYMENTS_SIM_DECLINE_RATE: z.coerce.number().min(0).max(1).default(0),
  PAYMENTS_SIM_OUTAGE: z.enum(['true', 'false']).default('false'),
  PAYMENTS_SIM_LOST_RESPONSE_RATE: z.coerce.number().min(0).max(1).default(0),
});

/**
 * @example const provider = simulatedProvider({ ...loadPaymentsConfig(process.env).simulated, records: await sqlProviderRecords(db) })
 */
export function loadPaymentsConfig(env: Readonly<Record<string, string | undefined>>): { simulated: SimulatedProviderOptions } {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new MillraceError('validation', codes.configInvalid, `payments config: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const c = r.data;
  return {
    simulated: { latencyMs: c.PAYMENTS_SIM_LATENCY_MS, declineRate: c.PAYMENTS_SIM_DECLINE_RATE, outage: c.PAYMENTS_SIM_OUTAGE === 'true', lostResponseRate: c.PAYMENTS_SIM_LOST_RESPONSE_RATE },
  };
}
