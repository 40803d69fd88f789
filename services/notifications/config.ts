// Notifications' settings from the environment, parsed once: SMTP for e-mail (off when unset).
import { MillraceError, codes } from '@millrace/platform';
import { z } from 'zod';
import type { SmtpOptions } from './channels.ts';

const schema = z.object({
  NOTIFICATIONS_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'smtp:// or smtps:// URL').optional(),
  NOTIFICATIONS_SMTP_FROM: z.string().email().default('shop@localhost'),
});

/**
 * @example const n = await createNotifications({ db, bus, ...loadNotificationsConfig(process.env) })
 */
export function loadNotificationsConfig(env: Readonly<Record<string, string | undefined>>): { smtp?: SmtpOptions } {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new MillraceError('validation', codes.configInvalid, `notifications config: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data.NOTIFICATIONS_SMTP_URL ? { smtp: { url: r.data.NOTIFICATIONS_SMTP_URL, from: r.data.NOTIFICATIONS_SMTP_FROM } } : {};
}
