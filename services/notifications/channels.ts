// Delivery channels beyond in-app: e-mail over SMTP (nodemailer) and webhooks with signed payloads.
import { createHmac, timingSafeEqual } from 'node:crypto';
import nodemailer from 'nodemailer';

export interface Message {
  readonly deliveryId: string;
  readonly notificationId: string;
  readonly customerId: string;
  readonly orderId: string;
  readonly template: string;
  readonly title: string;
  readonly body: string;
  readonly createdAt: string;
}

/** Sends one message to one target; throws when it was not accepted (the delivery is retried). */
export interface Sender {
  send(target: { address: string; secret?: string }, message: Message): Promise<void>;
}

export interface SmtpOptions {
  /** e.g. `smtp://user:pass@smtp.example.com:587`; or `smtps://...`. */
  readonly url: string;
  readonly from: string;
}

/** E-mail through nodemailer's SMTP transport. @example emailSender({ url: 'smtp://127.0.0.1:2525', from: 'shop@example.com' }) */
export function emailSender(options: SmtpOptions): Sender & { close(): void } {
  const transport = nodemailer.createTransport(options.url);
  return {
    async send(target, m) {
      await transport.sendMail({ from: options.from, to: target.address, subject: m.title, text: m.body, headers: { 'X-Millrace-Notification': m.notificationId } });
    },
    close: () => transport.close(),
  };
}

export const SIGNATURE_HEADER = 'x-millrace-signature';
export const DELIVERY_HEADER = 'x-millrace-delivery';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, as Stripe signs: the timestamp stops replays. */
export function signPayload(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * What a webhook receiver runs: true when `header` signs `body` with `secret` within `toleranceSeconds` of now.
 * @example verifySignature(secret, req.headers['x-millrace-signature'], rawBody, Date.now() / 1000)
 */
export function verifySignature(secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, body, t).split('v1=')[1]!, 'hex');
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

/** Webhooks: POST JSON, signed; any 2xx is accepted, anything else (or a timeout) is retried. Receivers dedupe by the delivery id. */
export function webhookSender(options: { timeoutMs?: number; now?: () => Date } = {}): Sender {
  const now = options.now ?? (() => new Date());
  return {
    async send(target, m) {
      const body = JSON.stringify({ type: `notification.${m.template}`, ...m });
      const res = await fetch(target.address, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signPayload(target.secret ?? '', body, Math.floor(now().getTime() / 1000)),
          [DELIVERY_HEADER]: m.deliveryId,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`);
    },
  };
}
