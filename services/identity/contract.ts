// Identity's published events: an audit trail of every security-relevant change. Never a secret, hash or password.
import { defineContract } from '@millrace/platform';
import { z } from 'zod';

export const ROLES = ['admin', 'operator', 'customer'] as const;
export type Role = (typeof ROLES)[number];
const role = z.enum(ROLES);

export const contract = defineContract({
  source: 'identity',
  events: {
    'identity.user-registered': { 1: z.object({ userId: z.string(), email: z.string(), role, bootstrapAdmin: z.boolean() }) },
    'identity.login-succeeded': {
      1: z.object({ userId: z.string(), method: z.enum(['token', 'session']), ip: z.string(), passwordRehashed: z.boolean() }),
    },
    'identity.login-failed': {
      // emailHash: SHA-256 of the normalized email (first 16 hex), so a typed password in the email field never lands in the log
      1: z.object({ userId: z.string().nullable(), emailHash: z.string(), ip: z.string(), reason: z.enum(['unknown-user', 'bad-password', 'locked']) }),
    },
    'identity.logged-out': { 1: z.object({ userId: z.string(), familyId: z.string().nullable(), sessionRevoked: z.boolean() }) },
    'identity.role-changed': { 1: z.object({ userId: z.string(), from: role, to: role, changedBy: z.string() }) },
    'identity.api-key-created': {
      1: z.object({ keyId: z.string(), ownerId: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.string()) }),
    },
    'identity.api-key-revoked': { 1: z.object({ keyId: z.string(), ownerId: z.string(), revokedBy: z.string() }) },
    'identity.refresh-token-reuse-detected': {
      1: z.object({ userId: z.string(), familyId: z.string(), tokenId: z.string(), ip: z.string() }),
    },
    'identity.key-rotated': { 1: z.object({ activeKid: z.string(), retiredKid: z.string().nullable(), nextKid: z.string() }) },
  },
});
