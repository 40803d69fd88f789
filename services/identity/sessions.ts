// Console sessions: an HttpOnly session cookie plus a double-submit CSRF cookie, for the browser console.
import { MillraceError, type Database } from '@millrace/platform';
import type { AuthRequest, Authenticator, Principal } from '@millrace/platform';
import { identityCodes } from './errors.ts';
import { sameDigest, sha256 } from './secrets.ts';
import { sessions } from './store.ts';

export const SESSION_COOKIE = 'mr_session';
export const CSRF_COOKIE = 'mr_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookies of a request: the platform's cookie plugin fills `cookies`; otherwise the header is parsed here. */
export function requestCookies(req: AuthRequest): Readonly<Record<string, string | undefined>> {
  if (req.cookies) return req.cookies;
  const header = req.headers.cookie;
  const out: Record<string, string> = {};
  for (const part of (Array.isArray(header) ? header.join(';') : header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!(name in out)) out[name] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/**
 * Set-Cookie values for a new session. The session cookie is HttpOnly, SameSite=Strict, Secure over https;
 * the CSRF cookie is readable by the console's JS, which echoes it in `x-csrf-token` on every unsafe request.
 */
export function sessionCookies(s: { sessionToken: string; csrfToken: string; expiresAt: Date }, secure: boolean): string[] {
  const common = `Path=/; SameSite=Strict; Expires=${s.expiresAt.toUTCString()}${secure ? '; Secure' : ''}`;
  return [`${SESSION_COOKIE}=${s.sessionToken}; HttpOnly; ${common}`, `${CSRF_COOKIE}=${s.csrfToken}; ${common}`];
}

export function clearedSessionCookies(secure: boolean): string[] {
  const common = `Path=/; SameSite=Strict; Expires=Thu, 01 Jan 1970 00:00:00 GMT${secure ? '; Secure' : ''}`;
  return [`${SESSION_COOKIE}=; HttpOnly; ${common}`, `${CSRF_COOKIE}=; ${common}`];
}

/**
 * Authenticates the session cookie. On unsafe methods (when the request says its method) the `x-csrf-token`
 * header must equal the CSRF cookie and match the hash stored with the session, so a forged or injected
 * cookie alone is not enough.
 * @example const auth = createSessionAuthenticator({ db, now: () => new Date() })
 */
export function createSessionAuthenticator(deps: { db: Database; now?: () => Date }): Authenticator {
  const now = deps.now ?? (() => new Date());
  return {
    verifiesCsrf: true,
    async authenticate(req: AuthRequest & { method?: string }) {
      const cookies = requestCookies(req);
      const token = cookies[SESSION_COOKIE];
      if (!token) return null;
      const session = await sessions.byHash(deps.db.kysely, sha256(token));
      // an ended session is no session: the browser is signed out (and can sign in again), not locked out
      if (!session || session.revoked_at || session.expires_at.getTime() <= now().getTime()) return null;
      if (req.method === undefined || !SAFE_METHODS.has(req.method.toUpperCase())) {
        const header = req.headers[CSRF_HEADER];
        const sent = Array.isArray(header) ? header[0] : header;
        if (!sent || sent !== cookies[CSRF_COOKIE] || !sameDigest(session.csrf_hash, sha256(sent))) {
          throw new MillraceError('forbidden', identityCodes.csrfMismatch, `unsafe request needs the ${CSRF_HEADER} header matching the ${CSRF_COOKIE} cookie`);
        }
      }
      const principal: Principal = { kind: 'user', id: session.user_id, roles: [session.role], scopes: [], credentialId: session.id };
      return principal;
    },
  };
}
