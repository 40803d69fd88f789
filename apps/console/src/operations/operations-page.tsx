// Operations (staff): orders per state as bars, the saga's failures and compensations, live inventory, and shipping / delivering confirmed orders.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, errorText } from '../api/http.ts';
import { ConnectionBadge } from '../live/connection-badge.tsx';
import { useLive } from '../live/live-connection.tsx';
import { reasonLabel, STATUS_LABEL } from '../orders/order-status.ts';
import { deliverOrder, listOrders, ORDER_STATUSES, orderStats, sagaFailures, shipOrder, type Order, type OrderStats } from '../orders/orders-api.ts';
import { useResource } from '../review/use-resource.ts';
import { available } from '../shop/catalog-api.ts';
import { useProducts } from '../shop/use-products.ts';
import { shortId } from '../ui/short-id.ts';
import { formatMoney } from '../wallet/money.ts';

const loadConfirmed = async (signal: AbortSignal) => (await listOrders({ status: 'confirmed', limit: 50 }, signal)).items;
const loadShipped = async (signal: AbortSignal) => (await listOrders({ status: 'shipped', limit: 50 }, signal)).items;

export function OperationsPage() {
  const { connection, channels, onTopicEvent } = useLive();
  const stats = useResource(orderStats);
  const failures = useResource(sagaFailures);
  const confirmed = useResource(loadConfirmed);
  const shipped = useResource(loadShipped);
  const { products, error: productsError, live: stockLive } = useProducts();

  const [reloadStats, reloadFailures, reloadConfirmed, reloadShipped] = [stats.reload, failures.reload, confirmed.reload, shipped.reload];
  const reloadAll = useCallback(() => {
    reloadStats();
    reloadFailures();
    reloadConfirmed();
    reloadShipped();
  }, [reloadStats, reloadFailures, reloadConfirmed, reloadShipped]);

  // staff follow every order: any state change re-reads the views (a burst once)
  useEffect(() => {
    let timer: number | undefined;
    const off = onTopicEvent('orders', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(reloadAll, 150);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [onTopicEvent, reloadAll]);
  const channel = channels.find((c) => c.topic === 'orders');
  useEffect(() => {
    if (channel?.status === 'subscribed') reloadAll();
  }, [channel, reloadAll]);

  return (
    <div className="page operations-page">
      <header className="page-head">
        <h1>Operations</h1>
        <ConnectionBadge connection={connection} />
        <div className="spacer" />
        <button type="button" onClick={reloadAll}>
          Refresh
        </button>
      </header>

      <div className="grid two">
        <section className="card" aria-labelledby="states-h">
          <div className="section-head">
            <h2 id="states-h">Orders per state</h2>
            {stats.value && (
              <span className="muted small">
                {stats.value.total} in all ·{' '}
                <span className={stats.value.stuck > 0 ? 'held-text' : undefined} data-testid="stuck" data-count={stats.value.stuck}>
                  {stats.value.stuck} stuck over 30 s
                </span>
              </span>
            )}
          </div>
          {stats.error && (
            <p className="error" role="alert">
              Could not load the statistics: {stats.error}
            </p>
          )}
          {stats.value && <StateBars stats={stats.value} />}
        </section>

        <section className="card" aria-labelledby="failures-h">
          <h2 id="failures-h">Saga failures</h2>
          {failures.error && (
            <p className="error" role="alert">
              Could not load the failures: {failures.error}
            </p>
          )}
          {stats.value && stats.value.failures.length > 0 && (
            <div className="table-wrap">
              <table data-testid="failure-reasons">
                <thead>
                  <tr>
                    <th scope="col">Reason</th>
                    <th scope="col">Stock</th>
                    <th scope="col">Payment</th>
                    <th scope="col" className="num">Orders</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.value.failures.map((f) => (
                    <tr key={`${f.reason}-${f.stockCompensation}-${f.paymentCompensation}`} data-testid="failure-reason" data-reason={f.reason ?? ''}>
                      <th scope="row">{reasonLabel(f.reason)}</th>
                      <td>{f.stockCompensation === '-' ? '—' : f.stockCompensation}</td>
                      <td>{f.paymentCompensation === '-' ? '—' : f.paymentCompensation}</td>
                      <td className="num">{f.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {failures.value?.length === 0 && <p className="muted small">No order was rejected or cancelled.</p>}
          {failures.value && failures.value.length > 0 && (
            <>
              <h3 className="activity-title">Latest</h3>
              <ul className="activity" data-testid="saga-failures">
                {failures.value.map((o) => (
                  <li key={o.id} data-testid="saga-failure" data-order-id={o.id} data-reason={o.reason ?? ''}>
                    <span>
                      <code title={o.id}>{shortId(o.id)}</code> {o.detail ?? reasonLabel(o.reason)}
                    </span>
                    <span className={`state order-state-${o.status}`}>{STATUS_LABEL[o.status]}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="fulfil-h">
        <h2 id="fulfil-h">To ship and deliver</h2>
        {(confirmed.error ?? shipped.error) && (
          <p className="error" role="alert">
            Could not load the orders: {confirmed.error ?? shipped.error}
          </p>
        )}
        {confirmed.value?.length === 0 && shipped.value?.length === 0 && <p className="muted small" data-testid="fulfilment-empty">Nothing to ship or deliver.</p>}
        <ul className="fulfilment">
          {confirmed.value?.map((o) => <ShipRow key={o.id} order={o} onDone={reloadAll} />)}
          {shipped.value?.map((o) => <DeliverRow key={o.id} order={o} onDone={reloadAll} />)}
        </ul>
      </section>

      <section className="card" aria-labelledby="stock-h">
        <div className="section-head">
          <h2 id="stock-h">Inventory</h2>
          <span className="muted small">{stockLive ? 'live' : 'as of loading'}</span>
        </div>
        {productsError && (
          <p className="error" role="alert">
            Could not load the products: {productsError}
          </p>
        )}
        {products && (
          <div className="table-wrap">
            <table data-testid="inventory">
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">SKU</th>
                  <th scope="col" className="num">Price</th>
                  <th scope="col" className="num">On hand</th>
                  <th scope="col" className="num">Reserved</th>
                  <th scope="col" className="num">Available</th>
                </tr>
              </thead>
              <tbody>
                {products.map((p) => {
                  const left = available(p);
                  return (
                    <tr key={p.id} data-testid="inventory-row" data-product-id={p.id} data-on-hand={p.onHand} data-reserved={p.reserved} data-available={left}>
                      <th scope="row">{p.name}</th>
                      <td>
                        <code>{p.sku}</code>
                      </td>
                      <td className="num">{formatMoney(BigInt(p.price), p.currency)}</td>
                      <td className="num">{p.onHand}</td>
                      <td className="num">{p.reserved}</td>
                      <td className={`num ${left === 0 ? 'error-text' : left <= p.lowStockThreshold ? 'held-text' : ''}`}>{left === 0 ? '0 (sold out)' : left <= p.lowStockThreshold ? `${left} (low)` : left}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** Orders per state as labelled horizontal bars (SVG widths: no inline styles under the CSP). */
function StateBars({ stats }: { stats: OrderStats }) {
  const max = Math.max(1, ...ORDER_STATUSES.map((s) => stats.byStatus[s] ?? 0));
  return (
    <ul className="state-bars" data-testid="state-bars">
      {ORDER_STATUSES.map((s) => {
        const n = stats.byStatus[s] ?? 0;
        return (
          <li key={s} data-testid="state-count" data-state={s} data-count={n}>
            <span className="bar-label">{STATUS_LABEL[s]}</span>
            <svg className={`bar order-bar-${s}`} viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
              <rect x="0" y="0" height="10" width={(n / max) * 100} />
            </svg>
            <span className="num">{n}</span>
          </li>
        );
      })}
    </ul>
  );
}

function OrderSummary({ order }: { order: Order }) {
  const items = order.lines.reduce((n, l) => n + l.quantity, 0);
  return (
    <span className="fulfil-what">
      <code title={order.id}>{shortId(order.id)}</code> {items} {items === 1 ? 'item' : 'items'}
      {order.amount !== null && order.currency ? `, ${formatMoney(BigInt(order.amount), order.currency)}` : ''}
    </span>
  );
}

function ShipRow({ order, onDone }: { order: Order; onDone(): void }) {
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ids = { carrier: useId(), tracking: useId() };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!carrier.trim() || !tracking.trim()) return setError('Enter the carrier and the tracking number.');
    setBusy(true);
    setError(null);
    try {
      await shipOrder(order.id, { carrier: carrier.trim(), trackingNumber: tracking.trim() });
      onDone();
    } catch (err) {
      setBusy(false);
      setError(errorText(err));
      if (err instanceof ApiError && err.status === 409) onDone();
    }
  };
  return (
    <li data-testid="ship-row" data-order-id={order.id}>
      <form className="inline-form" onSubmit={onSubmit} noValidate>
        <OrderSummary order={order} />
        <span className="state order-state-confirmed">Confirmed</span>
        <div className="field">
          <label htmlFor={ids.carrier}>Carrier</label>
          <input id={ids.carrier} value={carrier} onChange={(e) => setCarrier(e.target.value)} maxLength={100} data-testid="carrier" />
        </div>
        <div className="field">
          <label htmlFor={ids.tracking}>Tracking number</label>
          <input id={ids.tracking} value={tracking} onChange={(e) => setTracking(e.target.value)} maxLength={100} data-testid="tracking" />
        </div>
        <button type="submit" className="primary" disabled={busy} data-testid="ship">
          {busy ? 'Shipping…' : 'Ship'}
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </li>
  );
}

function DeliverRow({ order, onDone }: { order: Order; onDone(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const deliver = async () => {
    setBusy(true);
    setError(null);
    try {
      await deliverOrder(order.id);
      onDone();
    } catch (err) {
      setBusy(false);
      setError(errorText(err));
      if (err instanceof ApiError && err.status === 409) onDone();
    }
  };
  return (
    <li data-testid="deliver-row" data-order-id={order.id}>
      <div className="inline-form">
        <OrderSummary order={order} />
        <span className="state order-state-shipped">Shipped</span>
        <button type="button" className="primary" onClick={() => void deliver()} disabled={busy} data-testid="deliver">
          {busy ? 'Recording…' : 'Mark delivered'}
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
    </li>
  );
}
