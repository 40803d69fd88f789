// Password hashing: argon2id with configurable parameters, read back from the PHC string to rehash when they rise.
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import type { Argon2Params } from './config.ts';

/** OWASP's minimum for argon2id (Password Storage Cheat Sheet): 19 MiB, 2 iterations, 1 lane. */
export const OWASP_MINIMUM: Argon2Params = Object.freeze({ memoryKiB: 19456, iterations: 2, parallelism: 1 });

const ARGON2ID = 2 as Algorithm; // the package's const enum cannot be read under isolated modules

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches. Never throws on a malformed stored hash: that is a mismatch. */
  verify(stored: string, password: string): Promise<boolean>;
  /** True when `stored` was made with weaker parameters (or another algorithm) than the current ones. */
  needsRehash(stored: string): boolean;
  /** Burns the same time as a real verification, for unknown users (no timing oracle for account existence). */
  verifyDummy(password: string): Promise<void>;
}

/**
 * Parses `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`.
 * @example parsePhc(stored) // { algorithm: 'argon2id', version: 19, memoryKiB: 19456, iterations: 2, parallelism: 1 }
 */
export function parsePhc(stored: string): (Argon2Params & { algorithm: string; version: number }) | undefined {
  const m = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(stored);
  if (!m) return undefined;
  return { algorithm: m[1]!, version: Number(m[2]), memoryKiB: Number(m[3]), iterations: Number(m[4]), parallelism: Number(m[5]) };
}

/**
 * An argon2id hasher; parameters below OWASP's minimum are refused.
 * @example const hasher = createPasswordHasher({ memoryKiB: 19456, iterations: 2, parallelism: 1 })
 */
export function createPasswordHasher(params: Argon2Params = OWASP_MINIMUM): PasswordHasher {
  if (params.memoryKiB < OWASP_MINIMUM.memoryKiB || params.iterations < OWASP_MINIMUM.iterations || params.parallelism < 1) {
    throw new Error(`argon2id parameters below OWASP minimum (m=19456, t=2, p=1): ${JSON.stringify(params)}`);
  }
  const options = { algorithm: ARGON2ID, memoryCost: params.memoryKiB, timeCost: params.iterations, parallelism: params.parallelism };
  let dummy: Promise<string> | undefined;
  const hasher: PasswordHasher = {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      if (!parsePhc(stored)) return false;
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    needsRehash(stored) {
      const p = parsePhc(stored);
      if (!p || p.algorithm !== 'argon2id' || p.version !== 19) return true;
      return p.memoryKiB < params.memoryKiB || p.iterations < params.iterations || p.parallelism < params.parallelism;
    },
    async verifyDummy(password) {
      dummy ??= hash('millrace-dummy-password', options);
      await hasher.verify(await dummy, password);
    },
  };
  return hasher;
}
