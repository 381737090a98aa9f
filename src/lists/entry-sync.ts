import crypto from 'node:crypto';
import type { Collection } from 'mongoose';
import { isDuplicateKey } from '../db-writes';
import { CounterBatch, type CounterWrite } from './counter-batch';
import { fieldKey, fromFieldKey } from '../rollups/counters';

/**
 * The list indexes (comments, review) keep small records about responses, "entries", inside bucket documents with
 * deterministic ids, under the response id (`e.<key>`). Every write is by `_id`, the only filter FerretDB serves
 * from its index. An entry carries a random version `v`, rewritten with every change, and a change is a
 * compare-and-set: the update's filter names the version it was computed from (or that the entry is absent), so of
 * two writers only one changes it and the other re-reads. Counters elsewhere (per-day counts, cluster figures) move
 * only after a change that landed, so each change is counted once. A crash between the change and its counters leaves
 * a count one off; the entries themselves stay right, and they are what the lists show.
 */
export type Entry = { v?: string } & Record<string, unknown>;
export type { CounterWrite } from './counter-batch';
export interface Bucket {
  _id: string;
  e?: Record<string, Entry>;
}

/** One entry as it should be. */
export interface EntryTarget {
  bucket: string;
  key: string;
  /** null: the entry should be absent */
  next: Entry | null;
  /** what one present entry adds to counters (each change applies after minus before) */
  counts: (entry: Entry) => CounterWrite[];
  responseId: string;
}

/** Buckets as read: absent from the map = unknown (assume the entries absent); null = the document does not exist. */
export type KnownBuckets = Map<string, Bucket | null>;

/** A response id as a field name: `.` and `$` may not appear in keys. */
export const entryKey = (responseId: string) => fieldKey(responseId);
export const responseIdOf = (key: string) => fromFieldKey(key);

const IN_LIMIT = 1000; // FerretDB pushes an `$in` of at most 1,000 ids down to SQLite

export async function readBuckets(coll: Collection<Bucket>, ids: Iterable<string>): Promise<KnownBuckets> {
  const all = [...new Set(ids)];
  const known: KnownBuckets = new Map(all.map((id) => [id, null]));
  for (let i = 0; i < all.length; i += IN_LIMIT) {
    for (const doc of await coll.find({ _id: { $in: all.slice(i, i + IN_LIMIT) } }).toArray()) known.set(doc._id, doc);
  }
  return known;
}

const canonical = (entry: Entry | null | undefined) =>
  entry
    ? JSON.stringify(
        Object.keys(entry)
          .filter((k) => k !== 'v')
          .sort()
          .map((k) => [k, entry[k]]),
      )
    : '';

/** Whether an entry as read is what its target says (versions aside). */
export const entryMatches = (known: KnownBuckets, target: EntryTarget): boolean => canonical(known.get(target.bucket)?.e?.[target.key] ?? null) === canonical(target.next);

const newVersion = () => crypto.randomBytes(4).toString('base64url');

interface Change {
  target: EntryTarget;
  before: Entry | null;
  after: Entry | null;
}

/** One compare-and-set on one bucket; true when it landed. */
async function casBucket(coll: Collection<Bucket>, id: string, changes: Change[]): Promise<boolean> {
  const filter: Record<string, unknown> = { _id: id };
  const set: Record<string, Entry> = {};
  const unset: Record<string, ''> = {};
  for (const { target, before, after } of changes) {
    if (before) filter[`e.${target.key}.v`] = before.v;
    else filter[`e.${target.key}`] = { $exists: false };
    if (after) set[`e.${target.key}`] = after;
    else unset[`e.${target.key}`] = '';
  }
  const update = { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) };
  try {
    // An upsert only when every change adds: then a missing document is created with the entries.
    const result = await coll.updateOne(filter as never, update as never, { upsert: changes.every((c) => !c.before) });
    return result.modifiedCount + result.upsertedCount === 1;
  } catch (error) {
    if (isDuplicateKey(error)) return false; // the document exists and an entry is no longer absent
    throw error;
  }
}

/** New bucket documents in one insert; returns the ids that another writer created first. */
async function insertBuckets(coll: Collection<Bucket>, docs: Bucket[]): Promise<Set<string>> {
  const lost = new Set<string>();
  if (!docs.length) return lost;
  try {
    await coll.insertMany(docs as never[], { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: Array<{ index: number; code?: number }> }).writeErrors;
    if (!isDuplicateKey(error) || !writeErrors) throw error;
    for (const w of writeErrors) {
      if (w.code !== undefined && w.code !== 11000) throw error;
      lost.add(docs[w.index]!._id);
    }
  }
  return lost;
}

/**
 * Makes the entries equal to their targets. `known` holds the buckets as read before the targets were computed
 * (see list-sync.ts for why in that order); without it the entries are assumed absent (a new response).
 * Returns the ids of responses whose entries another writer changed meanwhile: the caller reads those again.
 */
export async function applyTargets(coll: Collection<Bucket>, targets: EntryTarget[], known?: KnownBuckets): Promise<Set<string>> {
  const byBucket = new Map<string, EntryTarget[]>();
  for (const t of targets) {
    const list = byBucket.get(t.bucket);
    if (list) list.push(t);
    else byBucket.set(t.bucket, [t]);
  }
  const counters = new CounterBatch();
  const conflicts = new Set<string>();
  const inserts: Array<{ doc: Bucket; changes: Change[] }> = [];

  for (const [bucket, list] of byBucket) {
    const current = known?.get(bucket);
    const changes: Change[] = [];
    for (const target of list) {
      const before = current?.e?.[target.key] ?? null;
      if (canonical(before) === canonical(target.next)) continue;
      changes.push({ target, before, after: target.next && { ...target.next, v: newVersion() } });
    }
    if (!changes.length) continue;
    if (current === null && changes.every((c) => c.after)) {
      inserts.push({ doc: { _id: bucket, e: Object.fromEntries(changes.map((c) => [c.target.key, c.after!])) }, changes });
    } else if (await casBucket(coll, bucket, changes)) for (const c of changes) counters.changed(c.target.counts, c.before, c.after);
    else for (const c of changes) conflicts.add(c.target.responseId);
  }

  const lost = await insertBuckets(coll, inserts.map((i) => i.doc));
  for (const { doc, changes } of inserts) {
    if (lost.has(doc._id)) for (const c of changes) conflicts.add(c.target.responseId);
    else for (const c of changes) counters.changed(c.target.counts, c.before, c.after);
  }
  await counters.flush(coll);
  return conflicts;
}
