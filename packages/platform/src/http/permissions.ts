// Permissions: small policies deciding per action (check) and per object (checkObject), with an SQL row scope for collections.
import type { RequestContext } from './context.ts';

/**
 * Which rows a caller may see, as a tiny predicate tree compiled into the WHERE clause (see `compileScope`).
 * `all` is no restriction, `none` matches nothing, `eq` compares an API field to a value.
 */
export type Scope =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'eq'; readonly field: string; readonly value: unknown }
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Scope[] }
  | { readonly kind: 'not'; readonly part: Scope };

/**
 * A permission policy (DRF's BasePermission). `check` runs before the action; `checkObject` on the loaded object;
 * `scope` restricts which rows exist for the caller (rows outside answer 404, and are filtered out of lists in SQL).
 * @example const p: Permission = { check: (ctx) => ctx.principal !== null }
 */
export interface Permission {
  check(ctx: RequestContext): boolean;
  checkObject?(ctx: RequestContext, obj: Readonly<Record<string, unknown>>): boolean;
  scope?(ctx: RequestContext): Scope;
}

const ALL: Scope = Object.freeze({ kind: 'all' });
const NONE: Scope = Object.freeze({ kind: 'none' });

export const scopeOf = (p: Permission, ctx: RequestContext): Scope => p.scope?.(ctx) ?? ALL;
export const checkObject = (p: Permission, ctx: RequestContext, obj: Readonly<Record<string, unknown>>): boolean =>
  p.checkObject?.(ctx, obj) ?? true;

/** Anyone, authenticated or not. */
export const allowAny: Permission = Object.freeze({ check: () => true });

/** Any authenticated principal. */
export const authenticated: Permission = Object.freeze({ check: (ctx: RequestContext) => ctx.principal !== null });

/** A principal holding at least one of `roles`. @example hasRole('admin') */
export function hasRole(...roles: string[]): Permission {
  return Object.freeze({ check: (ctx: RequestContext) => !!ctx.principal && ctx.principal.roles.some((r) => roles.includes(r)) });
}

/** A principal holding every one of `scopes` (API keys, scoped tokens). @example hasScope('widgets:write') */
export function hasScope(...scopes: string[]): Permission {
  return Object.freeze({ check: (ctx: RequestContext) => !!ctx.principal && scopes.every((s) => ctx.principal!.scopes.includes(s)) });
}

/**
 * Objects whose `field` equals the caller's id: others' objects do not exist for the caller (404, filtered in SQL).
 * @example isOwner('ownerId')
 */
export function isOwner(field: string): Permission {
  return Object.freeze({
    check: (ctx: RequestContext) => ctx.principal !== null,
    checkObject: (ctx: RequestContext, obj: Readonly<Record<string, unknown>>) => !!ctx.principal && obj[field] === ctx.principal.id,
    scope: (ctx: RequestContext): Scope => (ctx.principal ? { kind: 'eq', field, value: ctx.principal.id } : NONE),
  });
}

/** All of `ps` must allow. @example and(authenticated, hasScope('widgets:write')) */
export function and(...ps: Permission[]): Permission {
  return Object.freeze({
    check: (ctx: RequestContext) => ps.every((p) => p.check(ctx)),
    checkObject: (ctx: RequestContext, o: Readonly<Record<string, unknown>>) => ps.every((p) => checkObject(p, ctx, o)),
    scope: (ctx: RequestContext) => simplify({ kind: 'and', parts: ps.map((p) => scopeOf(p, ctx)) }),
  });
}

/**
 * Any of `ps` may allow. The row scope is the union of the scopes of the policies whose `check` passed.
 * @example or(hasRole('admin'), isOwner('ownerId'))
 */
export function or(...ps: Permission[]): Permission {
  return Object.freeze({
    check: (ctx: RequestContext) => ps.some((p) => p.check(ctx)),
    checkObject: (ctx: RequestContext, o: Readonly<Record<string, unknown>>) => ps.some((p) => p.check(ctx) && checkObject(p, ctx, o)),
    scope: (ctx: RequestContext) => simplify({ kind: 'or', parts: ps.filter((p) => p.check(ctx)).map((p) => scopeOf(p, ctx)) }),
  });
}

/**
 * Negation of the action-level check (and of the object check, when `p` has one). Row scopes are not negated:
 * "not owner" is rarely meant as a visibility rule, so `not` leaves the scope unrestricted.
 * @example not(hasRole('suspended'))
 */
export function not(p: Permission): Permission {
  return Object.freeze({
    check: (ctx: RequestContext) => !p.check(ctx),
    ...(p.checkObject ? { checkObject: (ctx: RequestContext, o: Readonly<Record<string, unknown>>) => !p.checkObject!(ctx, o) } : {}),
  });
}

function simplify(s: Scope): Scope {
  if (s.kind !== 'and' && s.kind !== 'or') return s;
  const absorbing = s.kind === 'and' ? 'none' : 'all';
  const neutral = s.kind === 'and' ? 'all' : 'none';
  const parts = s.parts.map(simplify).filter((p) => p.kind !== neutral);
  if (parts.some((p) => p.kind === absorbing)) return absorbing === 'all' ? ALL : NONE;
  if (parts.length === 0) return neutral === 'all' ? ALL : NONE;
  return parts.length === 1 ? parts[0]! : { kind: s.kind, parts };
}

/** Evaluates a scope against a loaded object (the in-memory twin of the SQL filter). */
export function scopeMatches(s: Scope, obj: Readonly<Record<string, unknown>>): boolean {
  switch (s.kind) {
    case 'all': return true;
    case 'none': return false;
    case 'eq': return obj[s.field] === s.value;
    case 'and': return s.parts.every((p) => scopeMatches(p, obj));
    case 'or': return s.parts.some((p) => scopeMatches(p, obj));
    case 'not': return !scopeMatches(s.part, obj);
  }
}
