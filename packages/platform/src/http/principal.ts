// Who is calling: the principal every HTTP policy (permissions, throttling, ownership) decides on.

/** An authenticated caller: a user (JWT or console session) or a machine client (API key). */
export interface Principal {
  readonly kind: 'user' | 'api-key';
  /** User id, or the API key's owner id. */
  readonly id: string;
  readonly roles: readonly string[];
  /** Scopes of an API key (e.g. `telemetry:write`); users have none unless a token grants them. */
  readonly scopes: readonly string[];
  /** API key id or token id (jti), for audit and per-key throttling. */
  readonly credentialId?: string;
}

/** Minimal request view an authenticator needs (so it works with Fastify and the WebSocket gateway alike). */
export interface AuthRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly cookies?: Readonly<Record<string, string | undefined>>;
  /**
   * The HTTP method (`GET` for a WebSocket upgrade). Cookie authenticators with their own CSRF check require the
   * token on unsafe methods only, and treat a request without a method as unsafe.
   */
  readonly method?: string;
}

/**
 * Turns credentials into a principal. Returns null when the request carries no credentials of its kind;
 * throws a MillraceError('unauthenticated', ...) when it carries bad ones (expired, forged, revoked).
 * @example const auth: Authenticator = { authenticate: async (req) => verifyBearer(req.headers.authorization) }
 */
export interface Authenticator {
  authenticate(req: AuthRequest): Promise<Principal | null>;
  /**
   * True when this authenticator verifies a CSRF token itself for cookie credentials on unsafe methods (a session
   * authenticator with a synchronizer token): the app's own CSRF check then leaves the requests it authenticated alone.
   */
  readonly verifiesCsrf?: boolean;
}
