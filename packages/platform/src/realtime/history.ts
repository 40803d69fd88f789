// Recent events of one partition kept in memory, so most resumes and every new subscription are served without the log.
import type { Envelope } from '../events/envelope.ts';
import { comparePositions } from '../events/positions.ts';

export interface HistoryEntry {
  readonly position: string;
  readonly key: string;
  readonly event: Envelope;
  /** The envelope JSON as stored in the log, sent as is. */
  readonly raw: string;
}

/**
 * A bounded, ordered window of a partition's latest events. Everything after `coveredFrom` is held here;
 * older events are read back from the log.
 */
export class PartitionHistory {
  readonly #capacity: number;
  readonly #maxBytes: number;
  #entries: HistoryEntry[] = [];
  #head = 0;
  #bytes = 0;
  #coveredFrom: string;

  /** Holds at most `capacity` events and about `maxBytes` of their JSON (the parsed envelopes take about as much again). */
  constructor(start: string, capacity: number, maxBytes = 8 * 1024 * 1024) {
    this.#coveredFrom = start;
    this.#capacity = capacity;
    this.#maxBytes = maxBytes;
  }

  /** The position just before the oldest entry held. */
  get coveredFrom(): string {
    return this.#coveredFrom;
  }

  /** The newest position seen (or `coveredFrom` when nothing was seen yet). */
  get last(): string {
    return this.#entries.length > this.#head ? this.#entries[this.#entries.length - 1]!.position : this.#coveredFrom;
  }

  get size(): number {
    return this.#entries.length - this.#head;
  }

  push(entry: HistoryEntry): void {
    this.#entries.push(entry);
    this.#bytes += entry.raw.length;
    while (this.size > this.#capacity || (this.#bytes > this.#maxBytes && this.size > 1)) {
      const oldest = this.#entries[this.#head]!;
      this.#coveredFrom = oldest.position;
      this.#bytes -= oldest.raw.length;
      this.#entries[this.#head++] = undefined as unknown as HistoryEntry;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** True when every event after `position` is held here (and `position` is not ahead of the stream). */
  covers(position: string): boolean {
    return comparePositions(position, this.#coveredFrom) >= 0 && comparePositions(position, this.last) <= 0;
  }

  /** Entries after `position`, oldest first. */
  after(position: string): HistoryEntry[] {
    let lo = this.#head;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePositions(this.#entries[mid]!.position, position) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return this.#entries.slice(lo);
  }
}
