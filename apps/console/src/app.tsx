// The console shell: session gate (sign in / register), navigation from the route table, the current page.
import { useEffect, useState, type ReactNode } from 'react';
import { SignInPage } from './auth/sign-in-page.tsx';
import { SessionProvider, useSession, type User } from './auth/session.tsx';
import { LiveProvider } from './live/live-connection.tsx';
import { Link, Redirect, RouterProvider, useRouter } from './router.tsx';
import { routesFor } from './routes.tsx';

export function App() {
  return (
    <SessionProvider>
      <RouterProvider>
        <Gate />
      </RouterProvider>
    </SessionProvider>
  );
}

const PUBLIC = new Set(['/sign-in', '/register']);

function Gate() {
  const { state } = useSession();
  const { path } = useRouter();
  if (state.status === 'loading') {
    return (
      <main className="splash" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (state.status === 'signed-out') {
    if (path === '/register') return <Titled title="Register"><SignInPage register /></Titled>;
    if (path === '/sign-in') return <Titled title="Sign in"><SignInPage /></Titled>;
    return <Redirect to={`/sign-in${path === '/' ? '' : `?next=${encodeURIComponent(path)}`}`} />;
  }
  return (
    <LiveProvider>
      <Shell user={state.user} />
    </LiveProvider>
  );
}

function Shell({ user }: { user: User }) {
  const { path } = useRouter();
  const { signOut } = useSession();
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const pages = routesFor(user);
  const home = pages[0]?.path ?? '/events';
  if (path === '/' || PUBLIC.has(path)) return <Redirect to={home} />;
  const route = pages.find((r) => r.path === path);

  const onSignOut = () => {
    setSignOutError(null);
    signOut().catch((err: unknown) => setSignOutError(`Sign-out failed: ${(err as Error).message}`));
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={home} className="brand">
          <img src="/favicon.svg" alt="" width="22" height="22" /> Millrace
        </Link>
        <nav aria-label="Main">
          <ul>
            {pages.map((r) => (
              <li key={r.path}>
                <Link to={r.path}>{r.title}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="spacer" />
        <span className="user" data-testid="current-user">
          {user.email} <span className="role">{user.role}</span>
        </span>
        <button type="button" onClick={onSignOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      {signOutError && (
        <p className="error banner" role="alert">
          {signOutError}
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {route ? (
          <Titled title={route.title}>
            <route.component />
          </Titled>
        ) : (
          <Titled title="Not found">
            <div className="page">
              <h1>Page not found</h1>
              <p>
                There is no page at <code>{path}</code>. <Link to={home}>Go to the console home</Link>.
              </p>
            </div>
          </Titled>
        )}
      </main>
    </div>
  );
}

/** Sets the document title while mounted. */
function Titled({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Millrace`;
  }, [title]);
  return <>{children}</>;
}
