// My orders: the caller's orders with their state and a timeline, moved live by every `orders.*` event; cancel while allowed; the inbox.
import { useCallback, useEffect, useId, useMemo, useReducer, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { ApiError, errorText } from '../api/http.ts';
import { useSession } from '../auth/session.tsx';
import { ConnectionBadge } from '../live/connection-badge.tsx';
import { useLive } from '../live/live-connection.tsx';
import { Link } from '../router.tsx';
import type { Product } from '../shop/catalog-api.ts';
import { useProducts } from '../shop/use-products.ts';
import { shortId } from '../ui/short-id.ts';
import { formatMoney } from '../wallet/money.ts';
import { Inbox } from './inbox.tsx';
import { OrderTimeline } from './order-timeline.tsx';
import { reasonLabel, STATUS_LABEL } from './order-status.ts';
import { cancelOrder, CANCELLABLE, listOrders, loadOrder, type Order } from './orders-api.ts';
import { eventOrderId, initialOrders, ordersReducer, type Shipment } from './orders-state.ts';

export function OrdersPage() {
  const { connection, channels, onTopicEvent } = useLive();
  const { state: session, expired } = useSession();
  const me = session.status === 'signed-in' ? session.user : null;
  // staff list every order by default: "my orders" asks for their own
  const mine = me && me.role !== 'customer' ? me.id : undefined;
  const [state, dispatch] = useReducer(ordersReducer, initialOrders);
  const [loadingMore, setLoadingMore] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const { products } = useProducts();
  const known = useRef(new Set<string>());
  known.current = new Set(state.orders.map((o) => o.id));

  const fail = useCallback(
    (err: unknown, what: 'list' | 'notice') => {
      if (err instanceof ApiError && err.status === 401) return expired();
      const text = errorText(err);
      if (what === 'list') dispatch({ type: 'failed', error: text });
      else setNotice(text);
    },
    [expired],
  );

  const reload = useCallback(() => {
    listOrders({ limit: 20, ...(mine ? { customerId: mine } : {}) })
      .then((page) => dispatch({ type: 'loaded', orders: page.items, next: page.next }))
      .catch((err: unknown) => fail(err, 'list'));
  }, [mine, fail]);

  const fetchOrder = useCallback(
    (id: string) => {
      loadOrder(id)
        .then((order) => dispatch({ type: 'order', order }))
        .catch((err: unknown) => fail(err, 'notice'));
    },
    [fail],
  );

  // live: the gateway sends a customer only their own orders' events; staff hear every order, so keep the caller's
  useEffect(
    () =>
      onTopicEvent('orders', (event) => {
        const id = eventOrderId(event);
        if (!id || (mine && (event.data as { customerId?: string }).customerId !== mine)) return;
        // each state change is committed on its own, so every step shows even when events arrive back to back
        flushSync(() => dispatch({ type: 'event', event }));
        if (!known.current.has(id) && event.type !== 'orders.order-placed') fetchOrder(id);
      }),
    [onTopicEvent, mine, fetchOrder],
  );

  // the first read and every (re)subscription: what was read may predate the channel going live
  const channel = channels.find((c) => c.topic === 'orders');
  useEffect(() => {
    if (channel?.status !== 'subscribing') reload();
  }, [channel, reload]);

  const more = async () => {
    setLoadingMore(true);
    try {
      const page = await listOrders({ next: state.next, ...(mine ? { customerId: mine } : {}) });
      dispatch({ type: 'more', orders: page.items, next: page.next });
    } catch (err) {
      fail(err, 'notice');
    } finally {
      setLoadingMore(false);
    }
  };

  const names = useMemo(() => new Map((products ?? []).map((p) => [p.id, p])), [products]);

  return (
    <div className="page orders-page">
      <header className="page-head">
        <h1>My orders</h1>
        <ConnectionBadge connection={connection} />
        <div className="spacer" />
        <Link to="/shop">Go to the shop</Link>
      </header>
      {channel?.status === 'refused' && (
        <p className="notice" role="status">
          Not live ({channel.detail}): reload the page to see changes.
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <div className="orders-layout">
        <section aria-labelledby="orders-h" aria-busy={state.status === 'loading'}>
          <h2 id="orders-h" className="section-title">
            Orders <span className="muted small">{channel?.status === 'subscribed' ? 'live, newest first' : 'newest first'}</span>
          </h2>
          {state.status === 'error' && (
            <p className="error" role="alert">
              Could not load your orders: {state.error}
            </p>
          )}
          {state.status === 'loading' && <p className="muted">Loading your orders…</p>}
          {state.status === 'ready' && state.orders.length === 0 && (
            <p className="card empty" data-testid="orders-empty">
              No orders yet. <Link to="/shop">Visit the shop</Link>.
            </p>
          )}
          <ul className="orders">
            {state.orders.map((o) => (
              <OrderRow
                key={o.id}
                order={o}
                steps={state.steps[o.id] ?? []}
                shipment={state.shipments[o.id]}
                products={names}
                onChanged={(order) => dispatch({ type: 'order', order })}
                onNeedHistory={fetchOrder}
              />
            ))}
          </ul>
          {state.next && (
            <div className="load-more">
              <button type="button" onClick={() => void more()} disabled={loadingMore} data-testid="orders-more">
                {loadingMore ? 'Loading…' : 'Older orders'}
              </button>
            </div>
          )}
        </section>
        <Inbox />
      </div>
    </div>
  );
}

interface OrderRowProps {
  readonly order: Order;
  readonly steps: Parameters<typeof OrderTimeline>[0]['steps'];
  readonly shipment: Shipment | undefined;
  readonly products: ReadonlyMap<string, Product>;
  onChanged(order: Order): void;
  onNeedHistory(id: string): void;
}

function OrderRow({ order, steps, shipment, products, onChanged, onNeedHistory }: OrderRowProps) {
  const heading = useId();
  const ended = order.status === 'rejected' || order.status === 'cancelled';
  // an order that ended before this page opened: its history tells where it stopped
  const asked = useRef(false);
  useEffect(() => {
    if (ended && steps.length === 0 && !asked.current) {
      asked.current = true;
      onNeedHistory(order.id);
    }
  }, [ended, steps.length, order.id, onNeedHistory]);

  return (
    <li className="card order" data-testid="order-row" data-order-id={order.id} data-state={order.status} aria-labelledby={heading}>
      <div className="order-head">
        <h3 id={heading}>
          Order <code title={order.id}>{shortId(order.id)}</code>
        </h3>
        <span className={`state order-state-${order.status}`} data-testid="order-state">
          {STATUS_LABEL[order.status]}
        </span>
        <div className="spacer" />
        <time className="muted small" dateTime={order.placedAt}>
          {new Date(order.placedAt).toLocaleString()}
        </time>
      </div>
      <ul className="order-lines">
        {order.lines.map((l) => {
          const priced = order.pricedLines?.find((x) => x.productId === l.productId);
          return (
            <li key={l.productId}>
              <span>
                {l.quantity} × {products.get(l.productId)?.name ?? priced?.sku ?? shortId(l.productId)}
              </span>
              {priced && order.currency && <span className="num">{formatMoney(BigInt(priced.unitPrice) * BigInt(l.quantity), order.currency)}</span>}
            </li>
          );
        })}
      </ul>
      {order.amount !== null && order.currency && (
        <p className="order-total">
          Total <strong data-testid="order-amount" data-minor={order.amount}>{formatMoney(BigInt(order.amount), order.currency)}</strong>
        </p>
      )}
      <OrderTimeline status={order.status} steps={steps} />
      {ended && (
        <p className={order.status === 'rejected' ? 'error' : 'notice'} data-testid="order-reason" data-reason={order.reason ?? ''}>
          <strong>{reasonLabel(order.reason)}</strong>
          {order.detail ? `: ${withNames(order.detail, products)}` : ''}. {order.status === 'rejected' ? 'You have not been charged.' : 'Any payment is refunded.'}
        </p>
      )}
      {shipment && (order.status === 'shipped' || order.status === 'delivered') && (
        <p className="muted small" data-testid="shipment">
          With {shipment.carrier}, tracking <code>{shipment.trackingNumber}</code>
        </p>
      )}
      {CANCELLABLE.includes(order.status) && <CancelOrder order={order} onChanged={onChanged} />}
    </li>
  );
}

function CancelOrder({ order, onChanged }: { order: Order; onChanged(order: Order): void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await cancelOrder(order.id));
    } catch (err) {
      setError(err instanceof ApiError ? (err.code === 'ORDERS_NOT_CANCELLABLE' ? `${err.detail}.` : `${err.detail} (${err.code})`) : String(err));
      setAsking(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="order-actions">
      {!asking ? (
        <button type="button" className="danger" onClick={() => setAsking(true)} data-testid="cancel-order">
          Cancel order
        </button>
      ) : (
        <>
          <span>{order.status === 'confirmed' ? 'Cancel it? The payment is refunded and the stock returned.' : 'Cancel it? Nothing will be charged, or it is refunded.'}</span>
          <button type="button" className="danger" onClick={() => void cancel()} disabled={busy} data-testid="confirm-cancel">
            {busy ? 'Cancelling…' : 'Yes, cancel'}
          </button>
          <button type="button" onClick={() => setAsking(false)} disabled={busy}>
            Keep it
          </button>
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** An end detail names products by id (`inventory: out-of-stock (<id>)`): show their names where known. */
function withNames(detail: string, products: ReadonlyMap<string, Product>): string {
  let text = detail;
  for (const [id, p] of products) if (text.includes(id)) text = text.split(id).join(p.name);
  return text;
}
