// Notifications' use cases: a message per order event (in-app at once, e-mail and webhooks queued), and the delivery worker.
import { inNamespace, uuidv7, type Envelope, type Logger, type Outbox, type Tx } from '@millrace/platform';
import type { Message, Sender } from './channels.ts';
import { messageFor, retryDelayMs } from './domain.ts';
import { store, type DeliveryRow } from './store.ts';

export interface NotificationsOptions {
  readonly outbox: Outbox;
  readonly now: () => Date;
  readonly log?: Logger | undefined;
  /** E-mail sender; without it no e-mail is queued. */
  readonly email?: Sender | undefined;
  readonly webhook: Sender;
  /** Attempts per delivery before it is marked failed. Default 6. */
  readonly maxAttempts?: number;
  readonly retryBaseMs?: number;
  readonly pollMs?: number;
  readonly namespace?: string | undefined;
}

export class Notifications {
  readonly #o: NotificationsOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #busy: Promise<unknown> = Promise.resolve();

  constructor(options: NotificationsOptions) {
    this.#o = options;
  }

  /** Turns an order event into a notification (once per event), its in-app push, and queued e-mail / webhook deliveries. */
  async onOrderEvent(outer: Tx, event: Envelope): Promise<void> {
    const data = event.data as Record<string, unknown> & { orderId: string; customerId: string };
    const message = messageFor(event.type, data);
    if (!message) return;
    const tx = inNamespace(outer, this.#o.namespace ?? '');
    const now = this.#o.now();
    const id = uuidv7();
    const inserted = await store.insertNotification(tx.db, {
      id, customer_id: data.customerId, order_id: data.orderId, source_event_id: event.id, ...message, created_at: now,
    });
    if (!inserted) return;
    // in-app: the event itself is the delivery; the realtime gateway pushes it to the customer's open pages
    tx.publish({ type: 'notifications.notification-created', key: data.customerId, data: { notificationId: id, customerId: data.customerId, orderId: data.orderId, ...message, createdAt: now.toISOString() } });
    const base = { notification_id: id, customer_id: data.customerId, attempts: 0, next_attempt_at: now, delivered_at: null, created_at: now };
    const deliveries: Array<Omit<DeliveryRow, 'lease_until' | 'last_error'>> = [{ ...base, id: uuidv7(), channel: 'in-app', target: data.customerId, status: 'delivered', attempts: 1, delivered_at: now }];
    if (this.#o.email) {
      const email = await store.email(tx.db, data.customerId);
      if (email) deliveries.push({ ...base, id: uuidv7(), channel: 'email', target: email, status: 'pending' });
    }
    for (const w of await store.activeWebhooks(tx.db)) {
      if (w.events.includes('*') || w.events.includes(message.template)) deliveries.push({ ...base, id: uuidv7(), channel: 'webhook', target: w.id, status: 'pending' });
    }
    await store.insertDeliveries(tx.db, deliveries);
  }

  start(): void {
    this.#stopped = false;
    const loop = () => {
      if (this.#stopped) return;
      this.#busy = this.tick().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.pollMs ?? 200);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#busy;
  }

  /** Sends due deliveries (up to 20 at once); returns how many were attempted. */
  async tick(): Promise<number> {
    try {
      const due = await this.#o.outbox.database.transaction((trx) => store.claimDue(trx, this.#o.now(), 30_000, 20));
      await Promise.all(due.map((d) => this.#deliver(d)));
      return due.length;
    } catch (err) {
      this.#o.log?.warn({ err }, 'notification delivery pass failed');
      return 0;
    }
  }

  async #deliver(d: DeliveryRow): Promise<void> {
    const db = this.#o.outbox.database.kysely;
    let error: string | null = null;
    try {
      const n = (await store.notification(db, d.notification_id))!;
      const message: Message = { deliveryId: d.id, notificationId: n.id, customerId: n.customer_id, orderId: n.order_id, template: n.template, title: n.title, body: n.body, createdAt: n.created_at.toISOString() };
      if (d.channel === 'email') {
        if (!this.#o.email) throw new Error('e-mail is not configured');
        await this.#o.email.send({ address: d.target }, message);
      } else {
        const w = await store.webhook(db, d.target);
        if (!w || !w.active) throw new Error('webhook removed');
        await this.#o.webhook.send({ address: w.url, secret: w.secret }, message);
      }
    } catch (err) {
      error = (err as Error).message;
    }
    const now = this.#o.now();
    const giveUp = error !== null && d.attempts >= (this.#o.maxAttempts ?? 6);
    await this.#o.outbox.transaction(async (outer) => {
      const tx = inNamespace(outer, this.#o.namespace ?? '');
      const patch = error === null
        ? { status: 'delivered', delivered_at: now, lease_until: null, last_error: null }
        : giveUp ? { status: 'failed', lease_until: null, last_error: error }
        : { next_attempt_at: new Date(now.getTime() + retryDelayMs(d.attempts, this.#o.retryBaseMs)), lease_until: null, last_error: error };
      await tx.db.updateTable('notifications.deliveries').set(patch).where('id', '=', d.id).where('status', '=', 'pending').execute();
      if (error === null || giveUp) {
        tx.publish({
          type: 'notifications.delivery-recorded', key: d.customer_id,
          data: { notificationId: d.notification_id, customerId: d.customer_id, channel: d.channel, status: error === null ? 'delivered' : 'failed', attempts: d.attempts, error },
        });
      }
    });
  }
}
