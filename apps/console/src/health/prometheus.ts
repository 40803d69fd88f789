// Parses the Prometheus text exposition of /metrics into samples, and sums the ones the health panel shows.

/** One sample line: `name{label="v",...} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads every sample of a text exposition; comments and malformed lines are skipped.
 * @example parsePrometheus('millrace_outbox_backlog 3\n') // [{ name: 'millrace_outbox_backlog', labels: {}, value: 3 }]
 */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') continue;
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** Sum of every sample of `name` whose labels include `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** The platform numbers the health panel charts; names as declared in the platform's observability/metrics.ts. */
export interface PlatformNumbers {
  readonly produced: number;
  readonly relayed: number;
  readonly consumed: number;
  readonly deadLettered: number;
  readonly outboxBacklog: number;
  readonly consumerLag: number;
}

export const METRIC_NAMES = {
  produced: 'millrace_events_produced_total',
  relayed: 'millrace_events_relayed_total',
  consumed: 'millrace_events_consumed_total',
  deadLettered: 'millrace_events_dead_lettered_total',
  outboxBacklog: 'millrace_outbox_backlog',
  consumerLag: 'millrace_consumer_lag',
} as const satisfies Record<keyof PlatformNumbers, string>;

/** Totals across labels (topics, groups, partitions) of the numbers in `METRIC_NAMES`. */
export function platformNumbers(samples: readonly Sample[]): PlatformNumbers {
  return {
    produced: sumOf(samples, METRIC_NAMES.produced),
    relayed: sumOf(samples, METRIC_NAMES.relayed),
    consumed: sumOf(samples, METRIC_NAMES.consumed),
    deadLettered: sumOf(samples, METRIC_NAMES.deadLettered),
    outboxBacklog: sumOf(samples, METRIC_NAMES.outboxBacklog),
    consumerLag: sumOf(samples, METRIC_NAMES.consumerLag),
  };
}
