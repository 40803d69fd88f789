// The catalog's products with live stock: read over REST, then moved by `inventory` levels and `catalog` changes on the shared connection.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from '../api/http.ts';
import { useSession } from '../auth/session.tsx';
import { useLive } from '../live/live-connection.tsx';
import { applyCatalogEvent, listProducts, type Product } from './catalog-api.ts';

export interface LiveProducts {
  /** Undefined until the first read. */
  readonly products: readonly Product[] | undefined;
  readonly error: string | null;
  /** Both topics are followed (`inventory` for stock, `catalog` for products). */
  readonly live: boolean;
}

/**
 * Products with their stock, live while mounted.
 * @example const { products, live } = useProducts()
 */
export function useProducts(): LiveProducts {
  const { channels, onTopicEvent } = useLive();
  const { expired } = useSession();
  const [products, setProducts] = useState<readonly Product[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  // events seen since the page opened: a read that overlapped one may predate it, so it is read again
  const seen = useRef(0);
  const reading = useRef<AbortController | null>(null);

  const reload = useCallback(() => {
    reading.current?.abort();
    const ctrl = new AbortController();
    reading.current = ctrl;
    void (async () => {
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          const before = seen.current;
          const list = await listProducts(ctrl.signal);
          if (ctrl.signal.aborted) return;
          if (seen.current === before || attempt === 2) {
            setProducts(list);
            setError(null);
            return;
          }
        }
      } catch (err) {
        if (ctrl.signal.aborted || (err as Error).name === 'AbortError') return;
        if (err instanceof ApiError && err.status === 401) expired();
        else setError(errorText(err));
      }
    })();
  }, [expired]);

  useEffect(() => {
    const apply = (e: Parameters<typeof applyCatalogEvent>[1]) => {
      seen.current++;
      setProducts((list) => (list ? applyCatalogEvent(list, e) : list));
    };
    const offInventory = onTopicEvent('inventory', apply);
    const offCatalog = onTopicEvent('catalog', apply);
    return () => {
      offInventory();
      offCatalog();
      reading.current?.abort();
    };
  }, [onTopicEvent]);

  // the first read, and every (re)subscription of either topic: what was read may predate it
  const inventory = channels.find((c) => c.topic === 'inventory');
  const catalog = channels.find((c) => c.topic === 'catalog');
  useEffect(() => {
    if (inventory?.status !== 'subscribing' && catalog?.status !== 'subscribing') reload();
  }, [inventory, catalog, reload]);

  return { products, error, live: inventory?.status === 'subscribed' && catalog?.status === 'subscribed' };
}
