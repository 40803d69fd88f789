// Identity configuration: parsed once from the environment with a schema, then passed explicitly.
import { MillraceError, codes } from '@millrace/platform';
import { z } from 'zod';

const int = (min: number) => z.coerce.number().int().min(min);

const envSchema = z.object({
  IDENTITY_ISSUER: z.string().min(1).default('millrace'),
  IDENTITY_AUDIENCE: z.string().min(1).default('millrace-api'),
  IDENTITY_ACCESS_TOKEN_TTL_SECONDS: int(30).default(600),
  IDENTITY_REFRESH_TOKEN_TTL_SECONDS: int(60).default(30 * 24 * 3600),
  IDENTITY_SESSION_TTL_SECONDS: int(60).default(8 * 3600),
  /** 32 bytes, base64: encrypts signing keys at rest (AES-256-GCM). Required in production. */
  IDENTITY_KEY_ENCRYPTION_KEY: z.string().optional(),
  IDENTITY_BOOTSTRAP_ADMIN_EMAIL: z.string().email().optional(),
  IDENTITY_ARGON2_MEMORY_KIB: int(19456).default(19456),
  IDENTITY_ARGON2_ITERATIONS: int(2).default(2),
  IDENTITY_ARGON2_PARALLELISM: int(1).default(1),
  IDENTITY_SECURE_COOKIES: z.enum(['auto', 'always', 'never']).default('auto'),
  NODE_ENV: z.string().optional(),
});

export interface Argon2Params {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

export interface IdentityConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionTtlSeconds: number;
  /** 32-byte key for signing keys at rest; undefined only outside production (keys then stored unencrypted, flagged). */
  readonly keyEncryptionKey: Buffer | undefined;
  /** When set, only this email becomes admin on registration; otherwise the first registered user does. */
  readonly bootstrapAdminEmail: string | undefined;
  readonly argon2: Argon2Params;
  /** 'auto': Secure cookies when the request came over https. */
  readonly secureCookies: 'auto' | 'always' | 'never';
  /** How long a new key is published before it may sign (verifiers cache the JWKS), and grace after expiry. */
  readonly jwksCacheSeconds: number;
  readonly clockSkewSeconds: number;
  readonly login: LoginGuardLimits;
}

export interface LoginGuardLimits {
  /** Failures allowed before the first lockout. */
  readonly accountThreshold: number;
  readonly ipThreshold: number;
  /** First lockout; each further failure doubles it, up to maxLockSeconds. */
  readonly baseLockSeconds: number;
  readonly maxLockSeconds: number;
  /** Failures older than this are forgotten. */
  readonly windowSeconds: number;
}

export const defaultLoginLimits: LoginGuardLimits = Object.freeze({
  accountThreshold: 5,
  ipThreshold: 20,
  baseLockSeconds: 30,
  maxLockSeconds: 15 * 60,
  windowSeconds: 15 * 60,
});

/**
 * Parses the identity settings; fails fast naming every bad variable.
 * @example const config = loadIdentityConfig(process.env)
 */
export function loadIdentityConfig(env: Readonly<Record<string, string | undefined>>): IdentityConfig {
  const r = envSchema.safeParse(env);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new MillraceError('validation', codes.configInvalid, `identity configuration invalid: ${msg}`);
  }
  const e = r.data;
  let kek: Buffer | undefined;
  if (e.IDENTITY_KEY_ENCRYPTION_KEY) {
    kek = Buffer.from(e.IDENTITY_KEY_ENCRYPTION_KEY, 'base64');
    if (kek.length !== 32) {
      throw new MillraceError('validation', codes.configInvalid, 'IDENTITY_KEY_ENCRYPTION_KEY: must be 32 bytes, base64');
    }
  } else if (e.NODE_ENV === 'production') {
    throw new MillraceError('validation', codes.configInvalid, 'IDENTITY_KEY_ENCRYPTION_KEY: required when NODE_ENV=production');
  }
  return identityConfig({
    issuer: e.IDENTITY_ISSUER,
    audience: e.IDENTITY_AUDIENCE,
    accessTokenTtlSeconds: e.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.IDENTITY_REFRESH_TOKEN_TTL_SECONDS,
    sessionTtlSeconds: e.IDENTITY_SESSION_TTL_SECONDS,
    keyEncryptionKey: kek,
    bootstrapAdminEmail: e.IDENTITY_BOOTSTRAP_ADMIN_EMAIL?.trim().toLowerCase(),
    argon2: { memoryKiB: e.IDENTITY_ARGON2_MEMORY_KIB, iterations: e.IDENTITY_ARGON2_ITERATIONS, parallelism: e.IDENTITY_ARGON2_PARALLELISM },
    secureCookies: e.IDENTITY_SECURE_COOKIES,
  });
}

/** Builds a frozen config from partial settings (tests, embedding), defaults for the rest. */
export function identityConfig(overrides: Partial<IdentityConfig> = {}): IdentityConfig {
  return Object.freeze({
    issuer: 'millrace',
    audience: 'millrace-api',
    accessTokenTtlSeconds: 600,
    refreshTokenTtlSeconds: 30 * 24 * 3600,
    sessionTtlSeconds: 8 * 3600,
    keyEncryptionKey: undefined,
    bootstrapAdminEmail: undefined,
    argon2: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
    secureCookies: 'auto' as const,
    jwksCacheSeconds: 300,
    clockSkewSeconds: 30,
    login: defaultLoginLimits,
    ...overrides,
  });
}
