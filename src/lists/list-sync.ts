import type { Connection } from 'mongoose';
import type { ResponseDoc } from '../responses/response.model';
import { applyTargets, entryMatches, readBuckets, type EntryTarget } from './entry-sync';
import { commentTargets } from './comment-entries';
import { COMMENTS_COLLECTION, listCollection, REVIEW_COLLECTION } from './list-keys';
import { clusterKeyOf } from '../admin/review-clusters';
import { clusterFigureId, reviewTargets } from './review-entries';

/**
 * Keeps the list indexes equal to the responses. Every path that stores a response or changes what the lists show
 * (comment status and tags, flags, review decisions) calls in here after its own write has landed, and the entries
 * are recomputed from the response. Which documents may hold a response's entries depends only on fields that never
 * change (kind, units, time, link, address), so a resync can read those documents first and the response second:
 * any change to the response made after that read is followed by its own resync, which then either finds the
 * entries as this one left them or makes this one's compare-and-set fail (entry-sync.ts). So the last resync after
 * the last change wins, whatever the interleaving, and nothing is locked.
 */
const LISTS: Array<{ collection: string; targets: (r: ResponseDoc) => EntryTarget[] }> = [
  { collection: COMMENTS_COLLECTION, targets: commentTargets },
  { collection: REVIEW_COLLECTION, targets: reviewTargets },
];
const IN_LIMIT = 1000; // FerretDB pushes an `$in` of at most 1,000 ids down to SQLite
// Each round one of the writers racing on an entry wins, so this bounds the writers at once, not the work.
const MAX_ROUNDS = 20;

async function readResponses(db: Connection, ids: string[]): Promise<ResponseDoc[]> {
  const out: ResponseDoc[] = [];
  for (let i = 0; i < ids.length; i += IN_LIMIT) {
    out.push(...((await db.collection('responses').find({ _id: { $in: ids.slice(i, i + IN_LIMIT) } } as never).toArray()) as unknown as ResponseDoc[]));
  }
  return out;
}

/**
 * One pass over some responses; returns those to do again, as now stored: the ones whose compare-and-set lost, and
 * any whose stored copy lives in other buckets than the copy given (a retried form keeps the first attempt's time),
 * whose buckets were therefore not read first.
 */
async function resyncChunk(db: Connection, copies: ResponseDoc[], fresh: boolean): Promise<ResponseDoc[]> {
  const conflicts = new Set<string>();
  const known = [];
  for (const list of LISTS) {
    const coll = listCollection(db, list.collection);
    known.push(await readBuckets(coll, copies.flatMap((r) => list.targets(r).map((t) => t.bucket))));
  }
  const current = fresh ? copies : await readResponses(db, copies.map((r) => r._id));
  for (const [i, list] of LISTS.entries()) {
    const targets = current.flatMap((r) => list.targets(r));
    for (const t of targets) if (!known[i]!.has(t.bucket)) conflicts.add(t.responseId);
    const ready = targets.filter((t) => !conflicts.has(t.responseId));
    for (const id of await applyTargets(listCollection(db, list.collection), ready, known[i])) conflicts.add(id);
  }
  return current.filter((r) => conflicts.has(r._id));
}

/**
 * Recomputes the entries of these responses from what is stored now. `fresh`: the copies are what is stored (a
 * seed that just inserted them), so they are not read again. `chunk`: responses handled together; a bigger chunk
 * sums more counter increments into one write per directory (bulk builds), at the cost of memory.
 */
export async function resyncResponses(db: Connection, copies: readonly ResponseDoc[], options: { fresh?: boolean; chunk?: number } = {}): Promise<void> {
  const chunk = options.chunk ?? IN_LIMIT;
  let pending = [...copies];
  let fresh = options.fresh ?? false;
  for (let round = 0; pending.length; round++) {
    if (round === MAX_ROUNDS) throw new Error(`list index: ${pending.length} responses kept changing during their resync`);
    const again: ResponseDoc[] = [];
    for (let i = 0; i < pending.length; i += chunk) again.push(...(await resyncChunk(db, pending.slice(i, i + chunk), fresh)));
    // Then a look at what is stored now: a write of another resync computed from an older copy of a response can
    // land after ours; whoever wrote last sees the mismatch here and goes round again.
    if (!again.length && !options.fresh) again.push(...(await staleEntries(db, pending)));
    pending = again;
    fresh = false;
  }
}

/** The responses (as stored now) whose entries differ from what they should be. */
async function staleEntries(db: Connection, copies: ResponseDoc[]): Promise<ResponseDoc[]> {
  const stale = new Set<string>();
  const current = await readResponses(db, copies.map((r) => r._id));
  for (const list of LISTS) {
    const targets = current.flatMap((r) => list.targets(r));
    const known = await readBuckets(listCollection(db, list.collection), targets.map((t) => t.bucket));
    for (const t of targets) if (!entryMatches(known, t)) stale.add(t.responseId);
  }
  return current.filter((r) => stale.has(r._id));
}

/**
 * A response just stored by this request: its entries cannot exist yet unless a concurrent resync (a cluster sweep)
 * made them, so they are written without reading first; a lost compare-and-set falls back to a resync.
 * An answer without a comment and without flags has no entries and costs nothing here.
 */
export async function indexNewResponse(db: Connection, response: ResponseDoc): Promise<void> {
  let conflicted = false;
  for (const list of LISTS) {
    if ((await applyTargets(listCollection(db, list.collection), list.targets(response))).size) conflicted = true;
  }
  if (conflicted) await resyncResponses(db, [response]);
}

/** Only responses with a comment or a flag have entries; the others need no work at all. */
export const hasListEntries = (r: Pick<ResponseDoc, 'comment' | 'flags'>) => Boolean(r.comment) || r.flags.length > 0;

/**
 * Responses whose unit moved (rechain.ts): `before` are copies under the chain they were listed with. Their
 * entries are taken out whole (each removal a compare-and-set that, lost, is read and tried again), which also
 * takes their per-scope counts out of the old scopes, then a resync writes them where they belong now; a pending
 * cluster's figure is told the new chain, which decides who may review it. Between the two a moved comment is
 * briefly missing from the lists. Running it twice leaves the same lists.
 */
export async function relistMovedResponses(db: Connection, before: readonly ResponseDoc[], now: readonly ResponseDoc[]): Promise<void> {
  const listed = (copies: readonly ResponseDoc[]) => copies.filter(hasListEntries);
  for (const list of LISTS) {
    const coll = listCollection(db, list.collection);
    let removals = listed(before).flatMap((r) => list.targets(r).map((t) => ({ ...t, next: null })));
    for (let round = 0; removals.length; round++) {
      if (round === MAX_ROUNDS) throw new Error(`list index: entries of ${removals.length} moved responses kept changing`);
      const conflicts = await applyTargets(coll, removals, await readBuckets(coll, removals.map((t) => t.bucket)));
      removals = removals.filter((t) => conflicts.has(t.responseId));
    }
  }
  await resyncResponses(db, listed(now));
  const clusters = listCollection(db, REVIEW_COLLECTION);
  for (const r of listed(now).filter((copy) => copy.addressHash)) {
    await clusters.updateOne({ _id: clusterFigureId(clusterKeyOf(r)) }, { $set: { unitAncestors: r.unitAncestors } } as never);
  }
}
