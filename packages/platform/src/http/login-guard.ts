// Brute-force protection for logins: progressive lockout per account and per IP (after N failures, locks that double each time).
import type { Redis } from 'ioredis';
import { MillraceError } from '../errors.ts';
import { httpCodes } from './problem.ts';

export interface LockState {
  readonly failures: number;
  readonly lockouts: number;
  readonly lockedUntil: number;
}

export interface LockPolicy {
  readonly maxFailures: number;
  readonly baseLockMs: number;
  readonly maxLockMs: number;
  /** How long a key's history is remembered after its last failure. */
  readonly memoryMs: number;
}

/** Where lock states live; `fail` must be atomic. */
export interface LoginGuardStore {
  get(key: string): Promise<LockState | undefined>;
  fail(key: string, policy: LockPolicy, now: number): Promise<LockState>;
  reset(key: string): Promise<void>;
}

/** Pure step: one more failure; the Nth failure locks for base * 2^(lockouts), capped. */
export function failStep(prev: LockState | undefined, p: LockPolicy, now: number): LockState {
  const s = prev ?? { failures: 0, lockouts: 0, lockedUntil: 0 };
  const failures = s.failures + 1;
  if (failures < p.maxFailures) return { ...s, failures };
  const lockMs = Math.min(p.maxLockMs, p.baseLockMs * 2 ** s.lockouts);
  return { failures: 0, lockouts: s.lockouts + 1, lockedUntil: now + lockMs };
}

export function memoryLoginGuardStore(options: { maxKeys?: number } = {}): LoginGuardStore {
  const maxKeys = options.maxKeys ?? 100_000;
  const states = new Map<string, { s: LockState; expires: number }>();
  return {
    async get(key) {
      return states.get(key)?.s;
    },
    async fail(key, policy, now) {
      const cur = states.get(key);
      const s = failStep(cur && cur.expires > now ? cur.s : undefined, policy, now);
      states.delete(key);
      states.set(key, { s, expires: now + policy.memoryMs });
      if (states.size > maxKeys) states.delete(states.keys().next().value!);
      return s;
    },
    async reset(key) {
      states.delete(key);
    },
  };
}

const FAIL = `
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0'); local l = tonumber(redis.call('HGET', KEYS[1], 'l') or '0')
local u = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
local maxf = tonumber(ARGV[1]); local base = tonumber(ARGV[2]); local maxl = tonumber(ARGV[3]); local now = tonumber(ARGV[5])
f = f + 1
if f >= maxf then u = now + math.min(maxl, base * 2 ^ l); l = l + 1; f = 0 end
redis.call('HSET', KEYS[1], 'f', f, 'l', l, 'u', tostring(u))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {f, l, tostring(u)}
`;

/** Lock states in Redis, shared by every instance. @example new LoginGuard({ store: redisLoginGuardStore(redis) }) */
export function redisLoginGuardStore(redis: Redis, options: { prefix?: string } = {}): LoginGuardStore {
  const prefix = options.prefix ?? 'millrace:login:';
  return {
    async get(key) {
      const h = await redis.hgetall(prefix + key);
      if (!h.f && !h.l) return undefined;
      return { failures: Number(h.f ?? 0), lockouts: Number(h.l ?? 0), lockedUntil: Number(h.u ?? 0) };
    },
    async fail(key, p, now) {
      const [f, l, u] = (await redis.eval(FAIL, 1, prefix + key, p.maxFailures, p.baseLockMs, p.maxLockMs, p.memoryMs, now)) as [number, number, string];
      return { failures: f, lockouts: l, lockedUntil: Number(u) };
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}

export interface LoginGuardOptions {
  store?: LoginGuardStore;
  /** Per account. Default 5 failures, then 1 min, 2 min, 4 min ... up to 1 h. */
  account?: Partial<LockPolicy>;
  /** Per IP, looser (many users behind one NAT). Default 50 failures, then 1 min doubling up to 1 h. */
  ip?: Partial<LockPolicy>;
}

const policy = (p: Partial<LockPolicy> | undefined, maxFailures: number): LockPolicy => ({
  maxFailures: p?.maxFailures ?? maxFailures,
  baseLockMs: p?.baseLockMs ?? 60_000,
  maxLockMs: p?.maxLockMs ?? 3_600_000,
  memoryMs: p?.memoryMs ?? 86_400_000,
});

/**
 * Guards a login: `assertAllowed` before checking the password (429 with Retry-After while locked),
 * `recordFailure` on a wrong password, `recordSuccess` after a right one (clears the account's count).
 * @example await guard.assertAllowed(email, req.ip, Date.now()); if (!ok) await guard.recordFailure(email, req.ip, Date.now())
 */
export class LoginGuard {
  readonly #store: LoginGuardStore;
  readonly #account: LockPolicy;
  readonly #ip: LockPolicy;

  constructor(options: LoginGuardOptions = {}) {
    this.#store = options.store ?? memoryLoginGuardStore();
    this.#account = policy(options.account, 5);
    this.#ip = policy(options.ip, 50);
  }

  /** Milliseconds until a login may be tried again for this account from this IP; 0 when allowed now. */
  async lockedFor(account: string, ip: string, now: number): Promise<number> {
    const [a, i] = await Promise.all([this.#store.get(`a:${account.toLowerCase()}`), this.#store.get(`ip:${ip}`)]);
    return Math.max(0, (a?.lockedUntil ?? 0) - now, (i?.lockedUntil ?? 0) - now);
  }

  async assertAllowed(account: string, ip: string, now: number): Promise<void> {
    const ms = await this.lockedFor(account, ip, now);
    if (ms > 0) {
      throw new MillraceError('throttled', httpCodes.loginLocked, 'too many failed logins; try again later', { details: { retryAfterSeconds: ms / 1000 } });
    }
  }

  async recordFailure(account: string, ip: string, now: number): Promise<void> {
    await Promise.all([this.#store.fail(`a:${account.toLowerCase()}`, this.#account, now), this.#store.fail(`ip:${ip}`, this.#ip, now)]);
  }

  async recordSuccess(account: string): Promise<void> {
    await this.#store.reset(`a:${account.toLowerCase()}`);
  }
}
