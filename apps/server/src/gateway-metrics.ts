// Prometheus metrics of the distributed gateway: breaker state and forwarded requests per backend.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Backend, BreakerState } from './backends.ts';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly forwarded: Counter<'backend' | 'status'>;
}

/**
 * Metrics served at the gateway's `/metrics`: `millrace_gateway_breaker_state` (0 closed, 1 half-open, 2 open),
 * `millrace_gateway_requests_total` by backend and status class, and the process defaults.
 * @example const m = createGatewayMetrics(backends); m.forwarded.inc({ backend: 'identity', status: '2xx' })
 */
export function createGatewayMetrics(backends: ReadonlyMap<string, Backend>): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'millrace_process_' });
  new Gauge({
    name: 'millrace_gateway_breaker_state',
    help: 'Circuit breaker per backend: 0 closed, 1 half-open, 2 open',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      for (const b of backends.values()) this.set({ backend: b.name }, STATE_VALUE[b.state()]);
    },
  });
  const forwarded = new Counter({
    name: 'millrace_gateway_requests_total',
    help: 'Requests forwarded to a backend, by answer (2xx..5xx, or unavailable when no backend answered)',
    labelNames: ['backend', 'status'],
    registers: [registry],
  });
  return { registry, forwarded };
}
