// Who is signed in: the identity service's console session (HttpOnly cookie), loaded at start, with sign in / register / sign out.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError } from '../api/http.ts';

/** The signed-in user as `GET /api/identity/me` answers it. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: 'admin' | 'operator' | 'customer';
  readonly createdAt: string;
}

export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out'; readonly expired?: boolean }
  | { readonly status: 'signed-in'; readonly user: User };

interface SessionValue {
  readonly state: SessionState;
  signIn(email: string, password: string): Promise<void>;
  register(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Marks the session gone (an API call answered 401) without calling the server. */
  expired(): void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  useEffect(() => {
    const ctrl = new AbortController();
    api<User>('/api/identity/me', { signal: ctrl.signal })
      .then((user) => setState({ status: 'signed-in', user }))
      .catch((err: unknown) => {
        if ((err as Error).name === 'AbortError') return;
        setState({ status: 'signed-out' });
      });
    return () => ctrl.abort();
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    const r = await api<{ user: User }>('/api/identity/login', { method: 'POST', body: { email, password, mode: 'session' } });
    setState({ status: 'signed-in', user: r.user });
  }, []);

  const register = useCallback(
    async (email: string, password: string) => {
      await api<User>('/api/identity/register', { method: 'POST', body: { email, password } });
      await signIn(email, password);
    },
    [signIn],
  );

  const signOut = useCallback(async () => {
    try {
      await api<void>('/api/identity/logout', { method: 'POST', body: {} });
    } catch (err) {
      // a session the server no longer knows is signed out already; any other failure leaves the cookie valid,
      // so the console must not pretend the user is signed out
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    setState({ status: 'signed-out' });
  }, []);

  const expired = useCallback(() => setState({ status: 'signed-out', expired: true }), []);

  const value = useMemo(() => ({ state, signIn, register, signOut, expired }), [state, signIn, register, signOut, expired]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** A user-facing sentence for a failed sign-in or registration. */
export function describeAuthError(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Try again.';
  switch (err.code) {
    case 'IDENTITY_INVALID_CREDENTIALS':
      return 'Email or password is wrong.';
    case 'IDENTITY_LOGIN_LOCKED':
      return `Too many failed attempts. Try again${err.retryAfterSeconds ? ` in ${Math.ceil(err.retryAfterSeconds)} s` : ' later'}.`;
    case 'IDENTITY_EMAIL_TAKEN':
      return 'An account with this email exists already. Sign in instead.';
    case 'NETWORK':
      return 'The server cannot be reached.';
    default:
      return err.status === 400 ? err.detail : `${err.detail} (${err.code})`;
  }
}
