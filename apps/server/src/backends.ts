// Backends of the gateway: one per service, each with its own circuit breaker (opossum) and a health probe.
import CircuitBreaker from 'opossum';

export interface BreakerOptions {
  /** A call slower than this (until the response headers) fails, ms. Default 5000. */
  readonly timeoutMs: number;
  /** Failure percentage in the rolling window that opens the breaker. Default 50. */
  readonly errorThresholdPercentage: number;
  /** How long the breaker stays open before one trial call (half-open), ms. Default 5000. */
  readonly resetTimeoutMs: number;
  /** Calls in the rolling window before the breaker may open. Default 3. */
  readonly volumeThreshold: number;
  /** Length of the rolling statistics window, ms. Default 10 000. */
  readonly rollingCountTimeoutMs: number;
}

export const defaultBreakerOptions: BreakerOptions = Object.freeze({
  timeoutMs: 5000,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 5000,
  volumeThreshold: 3,
  rollingCountTimeoutMs: 10_000,
});

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** A call through the breaker: resolves with what `fn` resolves; rejections count as failures. */
export type Guarded = <T>(fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export interface Backend {
  readonly name: string;
  readonly url: string;
  readonly options: BreakerOptions;
  /** Runs `fn` through this backend's breaker, aborting its signal after `timeoutMs`; rejects with `EOPENBREAKER` when open. */
  readonly call: Guarded;
  state(): BreakerState;
  /** The backend's own /healthz, outside the breaker, with a short timeout. */
  probe(timeoutMs?: number): Promise<{ reachable: boolean; latencyMs: number }>;
  shutdown(): void;
}

/**
 * One Backend per service name, each with its own breaker.
 * @example const backends = createBackends({ identity: 'http://127.0.0.1:3101' }); await backends.get('identity')!.call((signal) => fetch(url, { signal }))
 */
export function createBackends(urls: Readonly<Record<string, string>>, options: Partial<BreakerOptions> = {}): ReadonlyMap<string, Backend> {
  const o = Object.freeze({ ...defaultBreakerOptions, ...options });
  return new Map(Object.entries(urls).map(([name, url]) => [name, createBackend(name, url.replace(/\/+$/, ''), o)]));
}

function createBackend(name: string, url: string, options: BreakerOptions): Backend {
  // The action gets the caller's function; the timeout aborts it (opossum's own timeout would leave the request running).
  const breaker = new CircuitBreaker(
    async (fn: (signal: AbortSignal) => Promise<unknown>) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      try {
        return await fn(controller.signal);
      } finally {
        clearTimeout(timer);
      }
    },
    {
      name,
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      resetTimeout: options.resetTimeoutMs,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingCountTimeoutMs,
    },
  );
  return {
    name,
    url,
    options,
    call: <T>(fn: (signal: AbortSignal) => Promise<T>) => breaker.fire(fn) as Promise<T>,
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed'),
    async probe(timeoutMs = 1000) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return { reachable: res.ok, latencyMs: Math.round(performance.now() - started) };
      } catch {
        return { reachable: false, latencyMs: Math.round(performance.now() - started) };
      }
    },
    shutdown: () => breaker.shutdown(),
  };
}

/** True when `err` is opossum refusing a call because the breaker is open (or half-open with its trial in flight). */
export function isBreakerOpen(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'EOPENBREAKER';
}
