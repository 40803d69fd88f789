// The console's pages: one table, read by the navigation and the router. A service adds its page here.
import type { ComponentType } from 'react';
import type { User } from './auth/session.tsx';
import { HealthPage } from './health/health-page.tsx';
import { LiveEventsPage } from './live/live-events-page.tsx';
import { OperationsPage } from './operations/operations-page.tsx';
import { OrdersPage } from './orders/orders-page.tsx';
import { ReviewPage } from './review/review-page.tsx';
import { ShopPage } from './shop/shop-page.tsx';
import { WalletPage } from './wallet/wallet-page.tsx';

export interface RouteDef {
  /** Exact path, e.g. `/orders`. */
  readonly path: string;
  /** Navigation label and document title. */
  readonly title: string;
  readonly component: ComponentType;
  /** Roles that see the page; omitted: every signed-in user. */
  readonly roles?: readonly User['role'][];
}

/**
 * Signed-in pages, in navigation order. The first one is the home page.
 * @example { path: '/orders', title: 'Orders', component: OrdersPage, roles: ['admin', 'operator'] }
 */
export const routes: readonly RouteDef[] = [
  { path: '/events', title: 'Live events', component: LiveEventsPage },
  { path: '/wallet', title: 'Wallet', component: WalletPage },
  { path: '/shop', title: 'Shop', component: ShopPage },
  { path: '/orders', title: 'My orders', component: OrdersPage },
  { path: '/review', title: 'Fraud review', component: ReviewPage, roles: ['admin', 'operator'] },
  { path: '/operations', title: 'Operations', component: OperationsPage, roles: ['admin', 'operator'] },
  { path: '/health', title: 'Health', component: HealthPage },
];

/** The pages `user` may open. */
export function routesFor(user: User): readonly RouteDef[] {
  return routes.filter((r) => !r.roles || r.roles.includes(user.role));
}
