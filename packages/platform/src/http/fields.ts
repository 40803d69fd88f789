// Fields of a resource: API names <-> columns, input validation (read-only and unknown fields rejected), output representation.
import { z } from 'zod';
import { validationError, type FieldError } from './problem.ts';

/** The scalar kind of a field, after unwrapping optional / nullable / default. */
export type FieldKind = 'string' | 'number' | 'boolean' | 'enum' | 'other';

/** camelCase -> snake_case, the default column of an API field. @example snakeCase('createdAt') === 'created_at' */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function unwrap(t: z.ZodType): { inner: z.ZodType; nullable: boolean } {
  let cur = t;
  let nullable = false;
  for (;;) {
    const def = (cur as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if (def.type === 'nullable') nullable = true;
    if (!['optional', 'nullable', 'default', 'readonly', 'prefault', 'catch'].includes(def.type) || !def.innerType) return { inner: cur, nullable };
    cur = def.innerType;
  }
}

/**
 * The field model of one resource, derived once from its zod object schema.
 * @example const f = new Fields(widgetSchema, { readOnly: ['id'], writeOnly: ['secret'] })
 */
export class Fields {
  readonly schema: z.ZodObject;
  readonly names: readonly string[];
  readonly readOnly: ReadonlySet<string>;
  readonly writeOnly: ReadonlySet<string>;
  /** What a client may send on create / PUT (strict: unknown keys rejected). */
  readonly input: z.ZodObject;
  /** What a client may send on PATCH. */
  readonly partialInput: z.ZodObject;
  /** What a client receives. */
  readonly output: z.ZodObject;
  readonly #columns: Readonly<Record<string, string>>;

  constructor(schema: z.ZodObject, options: { readOnly?: readonly string[]; writeOnly?: readonly string[]; columns?: Readonly<Record<string, string>> }) {
    this.schema = schema;
    this.names = Object.keys(schema.shape);
    for (const f of [...(options.readOnly ?? []), ...(options.writeOnly ?? []), ...Object.keys(options.columns ?? {})]) {
      if (!this.names.includes(f)) throw new Error(`unknown field "${f}" in resource options`);
    }
    this.readOnly = new Set(options.readOnly);
    this.writeOnly = new Set(options.writeOnly);
    this.#columns = Object.fromEntries(this.names.map((n) => [n, options.columns?.[n] ?? snakeCase(n)]));
    const mask = (names: Iterable<string>) => Object.fromEntries([...names].map((n) => [n, true])) as never;
    this.input = schema.omit(mask(this.readOnly)).strict();
    // not .partial(): zod would still apply defaults, and a PATCH must never reset fields it did not name
    const shape = Object.fromEntries(Object.entries(this.input.shape).map(([k, t]) => [k, stripDefault(t as z.ZodType).optional()]));
    this.partialInput = z.object(shape).strict();
    this.output = schema.omit(mask(this.writeOnly));
  }

  column(field: string): string {
    const c = this.#columns[field];
    if (!c) throw new Error(`unknown field "${field}"`);
    return c;
  }

  kind(field: string): { kind: FieldKind; nullable: boolean; schema: z.ZodType } {
    const t = this.schema.shape[field] as z.ZodType;
    const { inner, nullable } = unwrap(t);
    const type = (inner as unknown as { def: { type: string } }).def.type;
    const kind: FieldKind = type === 'string' || type === 'number' || type === 'boolean' || type === 'enum' ? type : 'other';
    return { kind, nullable, schema: inner };
  }

  /**
   * Validates a create / replace / patch body. Read-only fields and unknown fields are rejected (400 naming each),
   * never silently dropped.
   */
  parseInput(body: unknown, partial: boolean): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw validationError([{ path: '', message: 'the body must be a JSON object', code: 'invalid_type' }]);
    }
    const errors: FieldError[] = [];
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      if (this.readOnly.has(k)) errors.push({ path: k, message: `${k} is read-only and cannot be set`, code: 'read_only' });
      else rest[k] = v;
    }
    const parsed = (partial ? this.partialInput : this.input).safeParse(rest);
    if (!parsed.success) errors.push(...zodErrors(parsed.error));
    if (errors.length > 0 || !parsed.success) throw validationError(errors);
    return parsed.data;
  }

  /** API object -> column values. */
  toRow(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) row[this.column(k)] = v;
    return row;
  }

  /** Database row -> full API object (int8 strings to numbers for number fields, dates to ISO strings). */
  fromRow(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    for (const n of this.names) {
      let v = row[this.column(n)];
      if (v instanceof Date) v = v.toISOString();
      else if (typeof v === 'string' && this.kind(n).kind === 'number') v = Number(v);
      obj[n] = v ?? null;
    }
    return obj;
  }

  /** Full object -> what a client sees (write-only fields removed). */
  represent(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const n of this.names) if (!this.writeOnly.has(n)) out[n] = obj[n];
    return out;
  }
}

function stripDefault(t: z.ZodType): z.ZodType {
  let cur = t;
  for (;;) {
    const def = (cur as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if ((def.type !== 'default' && def.type !== 'prefault') || !def.innerType) return cur;
    cur = def.innerType;
  }
}

/** zod issues -> field errors (one per unknown key). */
export function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((i): FieldError[] => {
    const base = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ path: base ? `${base}.${k}` : k, message: `unknown field "${k}"`, code: 'unknown_field' }));
    }
    return [{ path: base, message: i.message, code: i.code }];
  });
}
