// Notifications' published events: a message for a customer (the in-app channel, pushed live) and each delivery's outcome.
import { defineContract } from '@millrace/platform';
import { z } from 'zod';

export const CHANNELS = ['in-app', 'email', 'webhook'] as const;

export const contract = defineContract({
  source: 'notifications',
  events: {
    'notifications.notification-created': {
      1: z.object({
        notificationId: z.string(), customerId: z.string(), orderId: z.string(), template: z.string(), title: z.string(), body: z.string(), createdAt: z.string(),
      }),
    },
    'notifications.delivery-recorded': {
      1: z.object({
        notificationId: z.string(), customerId: z.string(), channel: z.enum(CHANNELS), status: z.enum(['delivered', 'failed']),
        attempts: z.number().int(), error: z.string().nullable(),
      }),
    },
  },
});
