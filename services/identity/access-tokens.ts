// Access tokens: short-lived EdDSA JWTs (RFC 9068 profile), issued with the active key and verified against the JWKS.
import { randomUUID } from 'node:crypto';
import type { Authenticator, Principal } from '@millrace/platform';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { identityCodes, unauthenticated } from './errors.ts';
import type { PublicKeySource, SigningKeyStore } from './signing-keys.ts';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenClaims {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes?: readonly string[];
}

export interface TokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
}

/**
 * Signs an access token with the active key: iss, aud, sub, roles, jti, iat, exp; kid and typ in the header.
 * @example const { token, expiresIn } = await issueAccessToken(keys, config, { sub: user.id, roles: [user.role] }, now())
 */
export async function issueAccessToken(
  keys: Pick<SigningKeyStore, 'signingKey'>,
  settings: TokenSettings,
  claims: AccessTokenClaims,
  now: Date,
  newId: () => string = randomUUID,
): Promise<{ token: string; jti: string; expiresIn: number }> {
  const { kid, key } = await keys.signingKey();
  const iat = Math.floor(now.getTime() / 1000);
  const jti = newId();
  const token = await new SignJWT({ roles: [...claims.roles], ...(claims.scopes?.length ? { scope: claims.scopes.join(' ') } : {}) })
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(claims.sub)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + settings.accessTokenTtlSeconds)
    .sign(key);
  return { token, jti, expiresIn: settings.accessTokenTtlSeconds };
}

export interface JwtAuthenticatorOptions {
  /** A JWKS document, or its URL (fetched and cached by jose), or a live source such as the SigningKeyStore. */
  readonly jwks?: JSONWebKeySet | URL;
  readonly keyStore?: PublicKeySource;
  readonly issuer: string;
  readonly audience: string;
  readonly now?: () => Date;
  readonly clockToleranceSeconds?: number;
  /** Verified tokens remembered until they expire, so a client's next requests skip the signature check. Default 10 000; 0 disables. */
  readonly cacheSize?: number;
}

/**
 * Bearer-token authenticator. Only EdDSA is accepted (no `none`, no HMAC confusion), `typ` must be at+jwt, the
 * kid must be in the JWKS, iss/aud/exp must match.
 * @example const auth = createJwtAuthenticator({ keyStore: keys, issuer: 'millrace', audience: 'millrace-api' })
 */
export function createJwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  if (!options.jwks === !options.keyStore) throw new Error('createJwtAuthenticator: give exactly one of jwks, keyStore');
  const now = options.now ?? (() => new Date());
  const remote = options.jwks instanceof URL ? createRemoteJWKSet(options.jwks) : undefined;
  const local = options.jwks && !(options.jwks instanceof URL) ? createLocalJWKSet(options.jwks) : undefined;
  // key ids never change their key, so the set of kids identifies the key set: rebuild the verifier only on rotation
  let cached: { kids: string; getKey: ReturnType<typeof createLocalJWKSet> } | undefined;
  const verified = new VerifiedTokens(options.cacheSize ?? 10_000);
  const fromStore = async () => {
    const jwks = (await options.keyStore!.publicJwks()) as JSONWebKeySet;
    const kids = jwks.keys.map((k) => k.kid ?? '').join(',');
    if (cached?.kids !== kids) {
      cached = { kids, getKey: createLocalJWKSet(jwks) };
      verified.clear(); // a key left the set: its tokens must be checked again
    }
    return cached.getKey;
  };
  return {
    async authenticate(req) {
      const token = bearer(req.headers.authorization);
      if (token === undefined) return null;
      const getKey = remote ?? local ?? (await fromStore());
      const hit = verified.get(token, now().getTime());
      if (hit) return hit;
      try {
        const { payload, protectedHeader } = await jwtVerify(token, getKey, {
          algorithms: ['EdDSA'],
          issuer: options.issuer,
          audience: options.audience,
          typ: ACCESS_TOKEN_TYPE,
          currentDate: now(),
          clockTolerance: options.clockToleranceSeconds ?? 0,
          requiredClaims: ['sub', 'jti', 'exp', 'iat'],
        });
        if (!protectedHeader.kid) throw unauthenticated(identityCodes.tokenInvalid, 'access token has no kid');
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
        const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
        const principal: Principal = Object.freeze({ kind: 'user', id: payload.sub!, roles: Object.freeze(roles), scopes: Object.freeze(scopes), credentialId: payload.jti! });
        verified.set(token, principal, payload.exp! * 1000);
        return principal;
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw unauthenticated(identityCodes.tokenExpired, 'access token expired', err);
        if (err instanceof joseErrors.JOSEError) throw unauthenticated(identityCodes.tokenInvalid, `access token rejected: ${err.code}`, err);
        throw err;
      }
    },
  };
}

/**
 * Tokens whose signature and claims were checked, until their `exp`: an access token is immutable and cannot be
 * revoked before it expires, so remembering the verdict changes nothing but the cost (an EdDSA check is ~0.3 ms).
 * Bounded: the oldest entry goes first.
 */
class VerifiedTokens {
  readonly #max: number;
  readonly #entries = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(max: number) {
    this.#max = max;
  }

  get(token: string, nowMs: number): Principal | undefined {
    const e = this.#entries.get(token);
    if (!e) return undefined;
    if (e.expiresAtMs <= nowMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return e.principal;
  }

  set(token: string, principal: Principal, expiresAtMs: number): void {
    if (this.#max <= 0) return;
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { principal, expiresAtMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined when there is none of that scheme. */
function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return m?.[1];
}
