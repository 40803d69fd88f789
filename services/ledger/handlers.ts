// Ledger's reactions: identity's credential events feed the "withdrawal right after a credential change" fraud rule.
import type { Envelope, Subscription } from '@millrace/platform';
import { fraudStore } from './store.ts';

/** Identity events that mean an owner's credentials changed (a new key, a stolen refresh token, a new password). */
export const CREDENTIAL_EVENTS: Readonly<Record<string, (data: Record<string, unknown>) => unknown>> = Object.freeze({
  'identity.api-key-created': (d) => d.ownerId,
  'identity.api-key-revoked': (d) => d.ownerId,
  'identity.refresh-token-reuse-detected': (d) => d.userId,
  'identity.password-changed': (d) => d.userId,
});

/**
 * Consumer group `ledger.credential-changes` on topic `identity`: records the time of each owner's latest credential change.
 * @example await bus.subscribe(credentialChanges())
 */
export function credentialChanges(): Subscription {
  return {
    group: 'ledger.credential-changes',
    topics: ['identity'],
    source: 'ledger',
    async handle(event: Envelope, { tx }) {
      const owner = CREDENTIAL_EVENTS[event.type]?.(event.data as Record<string, unknown>);
      if (typeof owner === 'string') await fraudStore.recordCredentialChange(tx.db, owner, new Date(event.time));
    },
  };
}
