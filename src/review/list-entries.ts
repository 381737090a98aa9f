import { fieldKey, fromFieldKey } from '../figures/counters';

/**
 * The list indexes (comments, review) keep small records about responses, "entries", inside bucket documents with
 * deterministic ids, under the response id (`e.<key>`), and counts beside them (per-day counts in directories,
 * cluster figures). Both are a pure function of the response (comment-entries.ts, review-entries.ts), so the
 * projector (src/projector/) changes them by the difference between a response's entries before and after a
 * change, with the batch rule that makes each change land once.
 */
export type Entry = Record<string, unknown>;

export interface Bucket {
  _id: string;
  e?: Record<string, Entry>;
}

/** A count kept beside the entries: what one present entry adds to a document. */
export interface CounterWrite {
  id: string;
  inc: Record<string, number>;
  setOnInsert?: Record<string, unknown>;
}

/** One entry as a response's state says it should be. */
export interface EntryTarget {
  bucket: string;
  key: string;
  /** null: the entry should be absent */
  next: Entry | null;
  /** what one present entry adds to counters */
  counts: (entry: Entry) => CounterWrite[];
  responseId: string;
}

/** A response id as a field name: `.` and `$` may not appear in keys. */
export const entryKey = (responseId: string) => fieldKey(responseId);
export const responseIdOf = (key: string) => fromFieldKey(key);

/** An entry's content, order of keys aside (and the version `v` that entries written before the projector carry). */
export const canonicalEntry = (entry: Entry | null | undefined) =>
  entry
    ? JSON.stringify(
        Object.keys(entry)
          .filter((k) => k !== 'v')
          .sort()
          .map((k) => [k, entry[k]]),
      )
    : '';
