import type { Collection } from 'mongoose';
import { upsertRetryingDuplicate } from '../db-writes';
import type { Bucket, Entry } from './entry-sync';

/**
 * Counts kept beside the entries (per-day counts in directories, cluster figures): what a present entry adds to them,
 * summed over a batch of changes so each counted document takes one `$inc` (upsert) per batch.
 */
export interface CounterWrite {
  id: string;
  inc: Record<string, number>;
  setOnInsert?: Record<string, unknown>;
}

/** Sums counter writes per document, dropping zero increments. */
export class CounterBatch {
  private readonly writes = new Map<string, CounterWrite>();
  add(counts: (entry: Entry) => CounterWrite[], entry: Entry | null, sign: 1 | -1): void {
    if (!entry) return;
    for (const write of counts(entry)) {
      const into = this.writes.get(write.id) ?? { id: write.id, inc: {} };
      for (const [path, n] of Object.entries(write.inc)) into.inc[path] = (into.inc[path] ?? 0) + sign * n;
      if (write.setOnInsert) into.setOnInsert = { ...write.setOnInsert, ...into.setOnInsert };
      this.writes.set(write.id, into);
    }
  }
  /** One entry changed from `before` to `after` (null: absent): its counts move by the difference. */
  changed(counts: (entry: Entry) => CounterWrite[], before: Entry | null, after: Entry | null): void {
    this.add(counts, before, -1);
    this.add(counts, after, 1);
  }
  async flush(coll: Collection<Bucket>): Promise<void> {
    for (const write of this.writes.values()) {
      const inc = Object.fromEntries(Object.entries(write.inc).filter(([, n]) => n !== 0));
      if (!Object.keys(inc).length) continue;
      const update = { $inc: inc, ...(write.setOnInsert ? { $setOnInsert: write.setOnInsert } : {}) };
      await upsertRetryingDuplicate(() => coll.updateOne({ _id: write.id }, update as never, { upsert: true }));
    }
  }
}
