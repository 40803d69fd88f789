// The live view's memory: the newest events (bounded, de-duplicated by id), counts per topic and per second.

/** An event as pushed by the realtime gateway (the platform's envelope). */
export interface LiveEvent {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly source: string;
  readonly key: string;
  readonly time: string;
  readonly traceparent?: string | undefined;
  readonly data: unknown;
}

/** One received event with where it came from in the stream. */
export interface LiveEntry {
  readonly event: LiveEvent;
  readonly channel: string;
  /** The topic of the channel (`orders` for `orders` and `orders:42`). */
  readonly topic: string;
  readonly partition: number;
  readonly position: string;
  /** Epoch ms when the browser received it. */
  readonly receivedAt: number;
}

/** What the view renders; a new object after every change, so React can compare by reference. */
export interface LogSnapshot {
  /** Newest first, at most `capacity`. */
  readonly entries: readonly LiveEntry[];
  /** Events received per topic since the log was created or cleared (not bounded by `capacity`). */
  readonly countsByTopic: Readonly<Record<string, number>>;
  readonly total: number;
  /** Duplicates (same event id) refused. */
  readonly duplicates: number;
}

export interface EventLogOptions {
  /** Entries kept for display. Default 500. */
  readonly capacity?: number;
  /** Seconds of per-second counts kept for the rate chart. Default 60. */
  readonly windowSeconds?: number;
  readonly now?: () => number;
}

export interface EntryFilter {
  /** Topic, exact; empty for all. */
  readonly topic?: string;
  /** Substring of the event type, case-insensitive. */
  readonly type?: string;
  /** Substring of the key, case-insensitive. */
  readonly key?: string;
}

/** Whether an entry passes the view's filters. */
export function matchesFilter(entry: LiveEntry, filter: EntryFilter): boolean {
  if (filter.topic && entry.topic !== filter.topic) return false;
  if (filter.type && !entry.event.type.toLowerCase().includes(filter.type.toLowerCase())) return false;
  if (filter.key && !entry.event.key.toLowerCase().includes(filter.key.toLowerCase())) return false;
  return true;
}

/**
 * A bounded, de-duplicating log of received events with change notification.
 * @example const log = new EventLog({ capacity: 500 }); log.add({ event, channel: 'orders', topic: 'orders', partition: 0, position: '7', receivedAt: Date.now() })
 */
export class EventLog {
  readonly #capacity: number;
  readonly #windowSeconds: number;
  readonly #now: () => number;
  // ids remembered for de-duplication: more than are displayed, still bounded
  readonly #seen = new Set<string>();
  readonly #seenLimit: number;
  readonly #perSecond = new Map<number, number>();
  readonly #listeners = new Set<() => void>();
  #snapshot: LogSnapshot = { entries: [], countsByTopic: {}, total: 0, duplicates: 0 };

  constructor(options: EventLogOptions = {}) {
    this.#capacity = options.capacity ?? 500;
    this.#windowSeconds = options.windowSeconds ?? 60;
    this.#now = options.now ?? Date.now;
    this.#seenLimit = Math.max(10_000, this.#capacity * 10);
  }

  /** Adds an entry; false (and nothing changes but the duplicate count) when its event id was seen already. */
  add(entry: LiveEntry): boolean {
    const s = this.#snapshot;
    if (this.#seen.has(entry.event.id)) {
      this.#publish({ ...s, duplicates: s.duplicates + 1 });
      return false;
    }
    this.#seen.add(entry.event.id);
    if (this.#seen.size > this.#seenLimit) this.#seen.delete(this.#seen.values().next().value!);
    const second = Math.floor(this.#now() / 1000);
    this.#perSecond.set(second, (this.#perSecond.get(second) ?? 0) + 1);
    for (const k of this.#perSecond.keys()) if (k <= second - this.#windowSeconds) this.#perSecond.delete(k);
    const entries = [entry, ...s.entries];
    if (entries.length > this.#capacity) entries.length = this.#capacity;
    this.#publish({
      entries,
      countsByTopic: { ...s.countsByTopic, [entry.topic]: (s.countsByTopic[entry.topic] ?? 0) + 1 },
      total: s.total + 1,
      duplicates: s.duplicates,
    });
    return true;
  }

  snapshot(): LogSnapshot {
    return this.#snapshot;
  }

  /** Events per second for the last `windowSeconds` whole seconds, oldest first (the current second last). */
  rate(): number[] {
    const second = Math.floor(this.#now() / 1000);
    const out: number[] = [];
    for (let s = second - this.#windowSeconds + 1; s <= second; s++) out.push(this.#perSecond.get(s) ?? 0);
    return out;
  }

  /** Forgets displayed entries and counts; ids stay remembered so a replay does not show them again. */
  clear(): void {
    this.#perSecond.clear();
    this.#publish({ entries: [], countsByTopic: {}, total: 0, duplicates: 0 });
  }

  /** Calls `listener` after every change; returns the unsubscribe function (the useSyncExternalStore shape). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #publish(next: LogSnapshot): void {
    this.#snapshot = next;
    for (const l of this.#listeners) l();
  }
}
