// Backward-compatibility check between two versions of an event schema (JSON Schema as produced by zod).

export interface CompatibilityIssue {
  readonly path: string;
  readonly problem: string;
}

type Schema = Record<string, unknown>;

/**
 * Lists why `next` cannot replace `previous` for the same event version: a reader using `next` must accept
 * every payload `previous` accepted, and no field an existing reader relies on may disappear.
 * @example checkCompatibility(z.toJSONSchema(v1Old), z.toJSONSchema(v1New)) // [] when compatible
 */
export function checkCompatibility(previous: unknown, next: unknown, path = '$'): CompatibilityIssue[] {
  const a = (previous ?? {}) as Schema;
  const b = (next ?? {}) as Schema;
  const issues: CompatibilityIssue[] = [];
  if (Object.keys(b).filter((k) => !k.startsWith('$') && k !== 'description' && k !== 'title').length === 0) return issues;

  const branchesA = (a.anyOf ?? a.oneOf) as Schema[] | undefined;
  const branchesB = (b.anyOf ?? b.oneOf) as Schema[] | undefined;
  if (branchesA || branchesB) {
    for (const [i, branch] of (branchesA ?? [a]).entries()) {
      const fits = (branchesB ?? [b]).some((nb) => checkCompatibility(branch, nb, path).length === 0);
      if (!fits) issues.push({ path: branchesA ? `${path}|${i}` : path, problem: 'a previously accepted alternative is no longer accepted' });
    }
    return issues;
  }

  const typesA = typeSet(a);
  const typesB = typeSet(b);
  if (typesB) {
    for (const t of typesA ?? ['any']) {
      if (!typesB.has(t) && !(t === 'integer' && typesB.has('number'))) issues.push({ path, problem: `type ${t} is no longer accepted` });
    }
  }
  if (b.const !== undefined && a.const !== b.const) issues.push({ path, problem: 'value narrowed to a constant' });
  if (Array.isArray(b.enum)) {
    const allowed = new Set(b.enum as unknown[]);
    const before = Array.isArray(a.enum) ? (a.enum as unknown[]) : a.const !== undefined ? [a.const] : undefined;
    if (!before) issues.push({ path, problem: 'value narrowed to an enum' });
    else for (const v of before) if (!allowed.has(v)) issues.push({ path, problem: `enum value ${JSON.stringify(v)} removed` });
  }
  for (const k of ['minLength', 'minimum', 'exclusiveMinimum', 'minItems']) {
    if (typeof b[k] === 'number' && !(typeof a[k] === 'number' && (a[k] as number) >= (b[k] as number))) issues.push({ path, problem: `${k} tightened` });
  }
  for (const k of ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems']) {
    if (typeof b[k] === 'number' && !(typeof a[k] === 'number' && (a[k] as number) <= (b[k] as number))) issues.push({ path, problem: `${k} tightened` });
  }
  for (const k of ['pattern', 'format']) {
    if (b[k] !== undefined && a[k] !== b[k]) issues.push({ path, problem: `${k} added or changed` });
  }

  const propsA = (a.properties ?? {}) as Record<string, Schema>;
  const propsB = (b.properties ?? {}) as Record<string, Schema>;
  const requiredA = new Set((a.required ?? []) as string[]);
  for (const name of (b.required ?? []) as string[]) {
    if (!requiredA.has(name)) issues.push({ path: `${path}.${name}`, problem: 'new required field (old events do not have it)' });
  }
  for (const [name, schema] of Object.entries(propsA)) {
    const nextProp = propsB[name];
    if (!nextProp) {
      issues.push({ path: `${path}.${name}`, problem: 'field removed' });
      continue;
    }
    issues.push(...checkCompatibility(schema, nextProp, `${path}.${name}`));
  }
  if (a.items || b.items) issues.push(...checkCompatibility(a.items, b.items, `${path}[]`));
  return issues;
}

function typeSet(s: Schema): Set<string> | undefined {
  if (s.type === undefined) return undefined;
  return new Set(Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]);
}
