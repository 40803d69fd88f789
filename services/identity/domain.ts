// Pure identity decisions: who becomes admin, what a refresh token may do, how signing keys rotate, who may change roles.
import { MillraceError } from '@millrace/platform';
import type { Role } from './contract.ts';
import { identityCodes } from './errors.ts';

/** Emails compare case-insensitively and without surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Role of a newly registered user. With a configured bootstrap admin email only that address becomes admin;
 * otherwise the first user to register does (`isFirstUser` comes from a once-only database claim).
 */
export function roleForNewUser(input: { email: string; bootstrapAdminEmail: string | undefined; isFirstUser: boolean }): Role {
  if (input.bootstrapAdminEmail !== undefined) return input.email === input.bootstrapAdminEmail ? 'admin' : 'customer';
  return input.isFirstUser ? 'admin' : 'customer';
}

export interface RefreshTokenState {
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly familyRevokedAt: Date | null;
}

export type RefreshDecision = 'rotate' | 'reuse-detected' | 'invalid';

/**
 * What presenting a refresh token means. A token that was already rotated (used) is a replay: either the
 * legitimate client or an attacker holds a stolen copy, and we cannot tell which, so the whole family dies.
 */
export function decideRefresh(token: RefreshTokenState | undefined, now: Date): RefreshDecision {
  if (!token) return 'invalid';
  if (token.familyRevokedAt || token.revokedAt) return 'invalid';
  if (token.usedAt) return 'reuse-detected';
  if (token.expiresAt.getTime() <= now.getTime()) return 'invalid';
  return 'rotate';
}

/** Checks a role change; an admin cannot remove the last admin (the system would become unmanageable). */
export function decideRoleChange(input: { actorRoles: readonly string[]; from: Role; to: Role; adminCount: number }): void {
  if (!input.actorRoles.includes('admin')) {
    throw new MillraceError('forbidden', identityCodes.forbidden, 'only an admin may change roles');
  }
  if (input.from === 'admin' && input.to !== 'admin' && input.adminCount <= 1) {
    throw new MillraceError('conflict', identityCodes.lastAdmin, 'cannot demote the last admin');
  }
}

export type KeyState = 'next' | 'active' | 'retired';

export interface SigningKeyInfo {
  readonly kid: string;
  readonly state: KeyState;
  readonly createdAt: Date;
  /** For retired keys: when they leave the JWKS (every token they signed has expired by then). */
  readonly removeAfter: Date | null;
}

export interface RotationPlan {
  /** The key that becomes active (the previous `next`), or undefined to create-and-activate (first start only). */
  readonly promote: string | undefined;
  readonly retire: string | undefined;
  /** When the retired key leaves the JWKS. */
  readonly retiredRemoveAfter: Date;
  readonly remove: readonly string[];
}

/**
 * Plans a rotation: `next` (published, not signing) -> `active` (signing) -> `retired` (published until every
 * token it signed expired) -> removed. A `next` key must have been published for `jwksCacheSeconds`, so
 * verifiers that cache the JWKS know it before the first token it signs reaches them.
 */
export function planRotation(
  keys: readonly SigningKeyInfo[],
  now: Date,
  limits: { accessTokenTtlSeconds: number; jwksCacheSeconds: number; clockSkewSeconds: number; force?: boolean },
): RotationPlan {
  const next = keys.find((k) => k.state === 'next');
  const active = keys.find((k) => k.state === 'active');
  if (next && active && !limits.force) {
    const publishedFor = (now.getTime() - next.createdAt.getTime()) / 1000;
    if (publishedFor < limits.jwksCacheSeconds) {
      throw new MillraceError(
        'conflict',
        identityCodes.keyNotPublishedLongEnough,
        `key ${next.kid} is published for ${Math.floor(publishedFor)} s; rotate after ${limits.jwksCacheSeconds} s`,
      );
    }
  }
  return {
    promote: next?.kid,
    retire: active?.kid,
    retiredRemoveAfter: new Date(now.getTime() + (limits.accessTokenTtlSeconds + limits.clockSkewSeconds) * 1000),
    remove: expiredKeys(keys, now),
  };
}

/** Retired keys whose tokens have all expired. */
export function expiredKeys(keys: readonly SigningKeyInfo[], now: Date): string[] {
  return keys.filter((k) => k.state === 'retired' && k.removeAfter && k.removeAfter.getTime() <= now.getTime()).map((k) => k.kid);
}
