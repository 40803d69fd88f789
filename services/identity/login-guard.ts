// Brute-force protection for login: progressive lockout per account and per client IP, in memory, clock passed in.
// Stand-in with the same shape as the platform's LoginGuard (packages/platform/src/http/login-guard.ts), which is
// not exported yet: pass that class instead once it is (`createIdentity({ guard: new LoginGuard(...) })`).
import type { LoginGuardLimits } from './config.ts';

export interface LoginGuard {
  /** Milliseconds until a login may be tried for this account from this IP; 0 when allowed now. */
  lockedFor(account: string, ip: string, now: number): Promise<number>;
  recordFailure(account: string, ip: string, now: number): Promise<void>;
  /** Clears the account's failures; the IP keeps its count (one good account must not unlock an IP that sprays). */
  recordSuccess(account: string): Promise<void>;
}

interface Entry {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

/**
 * After `threshold` failures within the window, each further failure locks for base * 2^(n - threshold) seconds,
 * capped. Bounded memory: at most `maxEntries` keys, least recently failed evicted first.
 * @example const guard = createMemoryLoginGuard(defaultLoginLimits)
 */
export function createMemoryLoginGuard(limits: LoginGuardLimits, maxEntries = 100_000): LoginGuard {
  const entries = new Map<string, Entry>();

  function get(key: string, t: number): Entry | undefined {
    const e = entries.get(key);
    if (e && t - e.lastFailure > limits.windowSeconds * 1000 && t >= e.lockedUntil) {
      entries.delete(key);
      return undefined;
    }
    return e;
  }

  function fail(key: string, threshold: number, t: number): void {
    const e = get(key, t) ?? { failures: 0, lastFailure: t, lockedUntil: 0 };
    e.failures++;
    e.lastFailure = t;
    if (e.failures >= threshold) {
      const seconds = Math.min(limits.maxLockSeconds, limits.baseLockSeconds * 2 ** (e.failures - threshold));
      e.lockedUntil = t + seconds * 1000;
    }
    entries.delete(key); // re-insert: Map order is the eviction order
    entries.set(key, e);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  }

  return {
    async lockedFor(account, ip, now) {
      const until = Math.max(get(`a:${account}`, now)?.lockedUntil ?? 0, get(`ip:${ip}`, now)?.lockedUntil ?? 0);
      return Math.max(0, until - now);
    },
    async recordFailure(account, ip, now) {
      fail(`a:${account}`, limits.accountThreshold, now);
      fail(`ip:${ip}`, limits.ipThreshold, now);
    },
    async recordSuccess(account) {
      entries.delete(`a:${account}`);
    },
  };
}
