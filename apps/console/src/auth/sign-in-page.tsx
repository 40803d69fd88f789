// The sign-in form (and, with `register`, the registration form): email and password against the identity service.
import { useId, useState, type FormEvent } from 'react';
import { Link, useRouter } from '../router.tsx';
import { describeAuthError, useSession } from './session.tsx';

const MIN_PASSWORD = 12;

export function SignInPage({ register = false }: { register?: boolean }) {
  const session = useSession();
  const { navigate, search } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ids = { email: useId(), password: useId(), hint: useId(), error: useId() };
  const expired = session.state.status === 'signed-out' && session.state.expired === true;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (register) await session.register(email, password);
      else await session.signIn(email, password);
      const next = new URLSearchParams(search).get('next');
      // only in-app paths: an open redirect through ?next= would send users anywhere
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (err) {
      setError(describeAuthError(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth" data-testid={register ? 'register-page' : 'sign-in-page'}>
      <form className="card auth-card" onSubmit={onSubmit} aria-describedby={error ? ids.error : undefined}>
        <div className="brand brand-large" aria-hidden="true">
          <img src="/favicon.svg" alt="" width="28" height="28" /> Millrace
        </div>
        <h1>{register ? 'Create an account' : 'Sign in to the console'}</h1>
        {expired && !register && <p className="notice" role="status">Your session ended. Sign in again.</p>}
        <label htmlFor={ids.email}>Email</label>
        <input id={ids.email} name="email" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor={ids.password}>Password</label>
        <input
          id={ids.password}
          name="password"
          type="password"
          autoComplete={register ? 'new-password' : 'current-password'}
          required
          minLength={register ? MIN_PASSWORD : 1}
          aria-describedby={register ? ids.hint : undefined}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {register && (
          <p id={ids.hint} className="hint">
            At least {MIN_PASSWORD} characters. The first account registered on a fresh installation becomes its admin.
          </p>
        )}
        {error && (
          <p id={ids.error} className="error" role="alert" data-testid="auth-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid={register ? 'register-submit' : 'sign-in-submit'}>
          {busy ? (register ? 'Creating…' : 'Signing in…') : register ? 'Create account' : 'Sign in'}
        </button>
        <p className="switch">
          {register ? (
            <>
              Have an account? <Link to={`/sign-in${search}`}>Sign in</Link>
            </>
          ) : (
            <>
              No account yet? <Link to={`/register${search}`}>Register</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
