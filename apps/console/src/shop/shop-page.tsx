// Shop: products with price and live stock, an order form of several lines, placing it under a fresh Idempotency-Key, and its answer followed live.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { errorText, mayRetry } from '../api/http.ts';
import { newIdempotencyKey } from '../api/idempotency-key.ts';
import { ConnectionBadge } from '../live/connection-badge.tsx';
import { useLive } from '../live/live-connection.tsx';
import { rank, reasonLabel, STATUS_LABEL } from '../orders/order-status.ts';
import { placeOrder, type Order, type OrderLine, type OrderStatus, type PlaceOutcome } from '../orders/orders-api.ts';
import { eventOrderId } from '../orders/orders-state.ts';
import { Link } from '../router.tsx';
import { shortId } from '../ui/short-id.ts';
import { formatMoney } from '../wallet/money.ts';
import { available, type Product } from './catalog-api.ts';
import { useProducts } from './use-products.ts';

/** Orders whose live state the page keeps (one is shown: the last placed here). */
const MAX_TRACKED = 50;

type Shown =
  | { readonly kind: 'outcome'; readonly outcome: PlaceOutcome }
  | { readonly kind: 'error'; readonly detail: string; readonly retry: boolean };

/** Where the order placed here stands, from live `orders.*` events. */
interface Progress {
  readonly status: OrderStatus;
  readonly reason?: string | undefined;
  readonly detail?: string | undefined;
}

export function ShopPage() {
  const { connection, onTopicEvent } = useLive();
  const { products, error, live } = useProducts();
  const [quantities, setQuantities] = useState<Readonly<Record<string, string>>>({});
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  // the latest state of recent orders, heard from the moment the page opens: events may beat the POST's answer
  const [progress, setProgress] = useState<Readonly<Record<string, Progress>>>({});
  // after a failure whose outcome is unknown (network, 5xx) the same order is retried under the same key, so it
  // cannot be placed twice; any other submit gets a fresh key
  const unsettled = useRef<{ body: string; key: string } | null>(null);
  const ids = { heading: useId(), error: useId(), total: useId() };
  const placedId = shown?.kind === 'outcome' && shown.outcome.outcome !== 'refused' ? shown.outcome.order.id : null;

  useEffect(
    () =>
      onTopicEvent('orders', (e) => {
        const id = eventOrderId(e);
        if (!id) return;
        const d = e.data as { status: OrderStatus; reason?: string; detail?: string };
        setProgress((all) => {
          const had = all[id];
          if (had && rank(had.status) > rank(d.status)) return all;
          // staff hear every order: keep the latest few
          const kept = Object.entries(all).filter(([k]) => k !== id).slice(-MAX_TRACKED + 1);
          return Object.fromEntries([...kept, [id, { status: d.status, reason: d.reason, detail: d.detail }]]);
        });
      }),
    [onTopicEvent],
  );

  const lines: OrderLine[] = [];
  const problems: string[] = [];
  for (const p of products ?? []) {
    const raw = (quantities[p.id] ?? '').trim();
    if (!raw) continue;
    const q = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(q) || q < 0 || q > 1000) problems.push(`${p.name}: a quantity is a whole number from 0 to 1000.`);
    else if (q > 0) lines.push({ productId: p.id, quantity: q });
  }
  const chosen = (products ?? []).filter((p) => lines.some((l) => l.productId === p.id));
  const currencies = [...new Set(chosen.map((p) => p.currency))];
  const total = chosen.reduce((sum, p) => sum + BigInt(p.price) * BigInt(lines.find((l) => l.productId === p.id)!.quantity), 0n);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (problems.length > 0) return setFieldError(problems.join(' '));
    if (lines.length === 0) return setFieldError('Choose a quantity for at least one product.');
    if (lines.length > 50) return setFieldError('An order has at most 50 lines.');
    setFieldError(null);
    const body = JSON.stringify(lines);
    const key = unsettled.current?.body === body ? unsettled.current.key : newIdempotencyKey();
    setBusy(true);
    try {
      const outcome = await placeOrder(lines, key);
      unsettled.current = null;
      setShown({ kind: 'outcome', outcome });
      if (outcome.outcome !== 'refused') setQuantities({});
    } catch (err) {
      const retry = mayRetry(err);
      unsettled.current = retry ? { body, key } : null;
      setShown({ kind: 'error', detail: errorText(err), retry });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page shop-page">
      <header className="page-head">
        <h1>Shop</h1>
        <ConnectionBadge connection={connection} />
        <div className="spacer" />
        <Link to="/orders">My orders</Link>
      </header>
      {error && (
        <p className="error" role="alert">
          Could not load the products: {error}
        </p>
      )}
      {products === undefined && !error && <p className="muted">Loading the products…</p>}
      {products?.length === 0 && (
        <p className="card empty" data-testid="shop-empty">
          Nothing for sale yet.
        </p>
      )}
      {products && products.length > 0 && (
        <form className="card shop-form" onSubmit={onSubmit} noValidate aria-labelledby={ids.heading} data-testid="order-form">
          <div className="section-head">
            <h2 id={ids.heading}>Products</h2>
            <span className="muted small">{live ? 'stock is live' : 'stock as of loading'}</span>
          </div>
          <div className="table-wrap">
            <table className="products">
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="num">Price</th>
                  <th scope="col" className="num">In stock</th>
                  <th scope="col" className="num">Quantity</th>
                </tr>
              </thead>
              <tbody>
                {products.map((p) => (
                  <ProductRow key={p.id} product={p} value={quantities[p.id] ?? ''} onChange={(v) => setQuantities((q) => ({ ...q, [p.id]: v }))} />
                ))}
              </tbody>
            </table>
          </div>
          <div className="order-summary">
            <p id={ids.total} className="order-total" aria-live="polite">
              {lines.length === 0
                ? 'No product chosen yet.'
                : currencies.length === 1
                  ? `${lines.length} ${lines.length === 1 ? 'line' : 'lines'}, total ${formatMoney(total, currencies[0]!)}`
                  : `${lines.length} lines in ${currencies.join(' and ')}: an order is paid in one currency, so it would be rejected.`}
            </p>
            <button type="submit" className="primary" disabled={busy} aria-describedby={fieldError ? ids.error : ids.total} data-testid="place-order">
              {busy ? 'Placing…' : shown?.kind === 'error' && shown.retry ? 'Retry: place order' : 'Place order'}
            </button>
          </div>
          {fieldError && (
            <p id={ids.error} className="error" role="alert">
              {fieldError}
            </p>
          )}
        </form>
      )}
      <div role="status" aria-live="polite">
        {shown && <Result shown={shown} progress={placedId ? progress[placedId] : undefined} />}
      </div>
    </div>
  );
}

function ProductRow({ product: p, value, onChange }: { product: Product; value: string; onChange(v: string): void }) {
  const id = useId();
  const left = available(p);
  const over = /^\d+$/.test(value.trim()) && Number(value) > left;
  return (
    <tr data-testid="product-row" data-product-id={p.id} data-sku={p.sku} data-available={left}>
      <th scope="row">
        <label htmlFor={id}>
          <span className="visually-hidden">Quantity of </span>
          {p.name}
        </label>{' '}
        <span className="muted small">{p.sku}</span>
      </th>
      <td className="num">{formatMoney(BigInt(p.price), p.currency)}</td>
      <td className="num">
        <span className={left === 0 ? 'error-text' : left <= p.lowStockThreshold ? 'held-text' : undefined} data-testid="stock">
          {left === 0 ? 'sold out' : left}
        </span>
      </td>
      <td className="num qty-cell">
        <input
          id={id}
          className="qty"
          inputMode="numeric"
          autoComplete="off"
          placeholder="0"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-describedby={over ? `${id}-over` : undefined}
          data-testid="quantity"
        />
        {over && (
          <span id={`${id}-over`} className="hint held-text">
            more than in stock
          </span>
        )}
      </td>
    </tr>
  );
}

function Result({ shown, progress }: { shown: Shown; progress: Progress | undefined }) {
  if (shown.kind === 'error') {
    return (
      <p className="error" data-testid="order-result" data-outcome="error">
        Not placed: {shown.detail}.{shown.retry ? ' It may or may not have gone through; retrying uses the same idempotency key, so it cannot be placed twice.' : ''}
      </p>
    );
  }
  const { outcome } = shown;
  if (outcome.outcome === 'refused') {
    return (
      <p className="error" data-testid="order-result" data-outcome="refused" data-code={outcome.code}>
        Refused: {outcome.detail} ({outcome.code}). No order was placed.
      </p>
    );
  }
  const order: Order = outcome.order;
  const status = progress && rank(progress.status) > rank(order.status) ? progress.status : order.status;
  const ended = status === 'rejected' || status === 'cancelled';
  return (
    <div className={ended ? 'error' : 'success'} data-testid="order-result" data-outcome={outcome.outcome} data-order-id={order.id} data-state={status}>
      <p>
        {outcome.outcome === 'replayed' ? 'Already placed by an earlier identical request: ' : 'Order placed: '}
        <code title={order.id}>{shortId(order.id)}</code>, now <strong>{STATUS_LABEL[status].toLowerCase()}</strong>
        {ended ? ` (${reasonLabel(progress?.reason ?? order.reason)}${progress?.detail ? `: ${progress.detail}` : ''})` : ''}.{' '}
        <Link to="/orders">Follow it in My orders</Link>
      </p>
    </div>
  );
}
