// payments schema, first version: one payment per order with its state, lease (who is calling the provider) and retries.
import { sql, type Migration } from '@millrace/platform';

export const init: Migration = {
  async up(db) {
    await sql`
      create table payments.payments (
        id text primary key,
        order_id text not null unique,
        customer_id text not null,
        amount bigint not null check (amount >= 0),
        currency text not null,
        status text not null check (status in ('pending', 'captured', 'declined', 'failed', 'voided', 'refund-pending', 'refunded')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null,
        lease_token text,
        lease_until timestamptz,
        cancel_requested boolean not null default false,
        authorization_id text,
        capture_id text,
        refund_id text,
        reason text,
        created_at timestamptz not null,
        updated_at timestamptz not null
      )`.execute(db);
    await sql`create index payments_due on payments.payments (next_attempt_at) where status in ('pending', 'refund-pending')`.execute(db);
  },
};
