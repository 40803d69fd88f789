// The text of a Kafka client error, nested errors, API ids, causes and broker responses included, for matching.

/**
 * @example if (/already exists/i.test(kafkaErrorText(err))) ...
 */
export function kafkaErrorText(err: unknown): string {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string => {
    if (!e || typeof e !== 'object' || seen.has(e)) return '';
    seen.add(e);
    const o = e as { message?: string; apiId?: string; errors?: unknown[]; cause?: unknown; response?: unknown };
    return [o.message ?? '', o.apiId ?? '', ...(o.errors ?? []).map(walk), walk(o.cause), responseText(o.response)].join(' ');
  };
  return walk(err);
}

function responseText(response: unknown): string {
  if (response === undefined) return '';
  try {
    return JSON.stringify(response, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return '';
  }
}
