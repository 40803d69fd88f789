// JSON over fetch for the console: same-origin cookies, the session's CSRF header, RFC 9457 problems as ApiError.

/** The identity session's CSRF cookie (readable by the page) and the header that echoes it. */
export const SESSION_CSRF_COOKIE = 'mr_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** A non-2xx answer: the problem+json `code`, `detail` and status when the server sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** How a failed call reads on a page: the problem's detail and code, or the error itself. */
export function errorText(err: unknown): string {
  return err instanceof ApiError ? `${err.detail} (${err.code})` : String(err);
}

/** Whether sending the same request again may succeed: no answer at all, or a server-side failure. */
export function mayRetry(err: unknown): boolean {
  return !(err instanceof ApiError) || err.status === 0 || err.status >= 500;
}

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Extra request headers, e.g. `Idempotency-Key`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Calls the API and parses JSON (undefined for 204). Throws ApiError on non-2xx.
 * @example const me = await api<Me>('/api/identity/me')
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(path, options, 'application/json');
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Like `api` for a text resource (e.g. /metrics). */
export async function apiText(path: string, options: RequestOptions = {}): Promise<string> {
  return (await send(path, options, 'text/plain')).text();
}

/** Like `api` but also returns JSON bodies of non-2xx answers that are not problems (e.g. /readyz's 503). */
export async function apiStatus<T>(path: string, options: RequestOptions = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await request(path, options, 'application/json');
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) throw await toError(res);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

async function send(path: string, options: RequestOptions, accept: string): Promise<Response> {
  const res = await request(path, options, accept);
  if (!res.ok) throw await toError(res);
  return res;
}

async function request(path: string, options: RequestOptions, accept: string): Promise<Response> {
  try {
    return await fetch(path, init(options, accept));
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'the server cannot be reached');
  }
}

function init(options: RequestOptions, accept: string): RequestInit {
  const headers: Record<string, string> = { ...options.headers, accept };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  // the session authenticator checks this header against its CSRF cookie; a cross-site page can neither read
  // the cookie nor send the header, so sending it on every same-origin request is safe
  const csrf = readCookie(SESSION_CSRF_COOKIE);
  if (csrf) headers[CSRF_HEADER] = csrf;
  return {
    method: options.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

async function toError(res: Response): Promise<ApiError> {
  const retry = Number(res.headers.get('retry-after') ?? '');
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  try {
    const p = (await res.json()) as { code?: unknown; detail?: unknown; title?: unknown };
    const detail = typeof p.detail === 'string' ? p.detail : typeof p.title === 'string' ? p.title : res.statusText;
    return new ApiError(res.status, typeof p.code === 'string' ? p.code : `HTTP_${res.status}`, detail, retryAfter);
  } catch {
    return new ApiError(res.status, `HTTP_${res.status}`, res.statusText || `HTTP ${res.status}`, retryAfter);
  }
}
