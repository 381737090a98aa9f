import type { Collection, mongo } from 'mongoose';
import { bulkWriteInChunks } from '../db-bulk';
import { bulkRefusals } from '../db-writes';
import { fieldKey } from './counters';
import type { DocWrite } from './fan-out';
import { Rounds } from '../rounds';

type Docs = Collection<{ _id: string }>;

/**
 * Cleared change ids still written in documents as `pending.<id>`, by document, per collection: unset by this
 * process's next write to the same document (it costs nothing extra). Only ids whose mark this process removed
 * (clearChange) go here: no repair can still be applying them. A trace never cleared (this process stopped, or
 * never wrote that document again) stays, harmless: readers ignore `pending`.
 */
const toClear = new WeakMap<object, Map<string, string[]>>();
const MAX_TRACKED_DOCS = 20_000;
const MAX_UNSET_PER_WRITE = 32;

function clearQueue(collection: object): Map<string, string[]> {
  let queue = toClear.get(collection);
  if (!queue) toClear.set(collection, (queue = new Map()));
  return queue;
}

/** Records that `changeId`'s traces in these documents may go (see toClear). */
export function forgetChange(collection: object, changeId: string, ids: readonly string[]): void {
  const queue = clearQueue(collection);
  for (const id of ids) {
    const list = queue.get(id);
    if (list) list.push(changeId);
    else if (queue.size < MAX_TRACKED_DOCS) queue.set(id, [changeId]);
  }
}

function operation(collection: object, changeId: string, write: DocWrite): mongo.AnyBulkWriteOperation<{ _id: string }> {
  const trace = `pending.${fieldKey(changeId)}`;
  const queue = clearQueue(collection);
  const stale = queue.get(write.id)?.splice(0, MAX_UNSET_PER_WRITE) ?? [];
  if (queue.get(write.id)?.length === 0) queue.delete(write.id);
  const update: Record<string, unknown> = { $inc: write.inc, $set: { ...write.set, [trace]: 1 }, $setOnInsert: write.setOnInsert };
  if (stale.length) update.$unset = Object.fromEntries(stale.map((id) => [`pending.${fieldKey(id)}`, '']));
  return { updateOne: { filter: { _id: write.id, [trace]: { $exists: false } } as never, update: update as never, upsert: true } };
}

/**
 * Applies one change's writes to one collection so that each document counts it exactly once, however often
 * this runs (a live change and a repair, two repairs): each increment is conditional on the document not holding
 * the change id yet, and records it. A document that holds it already does not match, so the upsert tries to
 * create it and fails on its `_id`: that duplicate means "applied before". On MongoDB two racing upserts of a new
 * document can also fail that way, so a refused write is tried once more, when a second refusal can only mean
 * applied. The filter is by `_id` (with our FerretDB patch, hl.2, it uses the index: docs/ferretdb-patch.md).
 * The usual case is one bulk write. After any refusal every write is sent again one by one: FerretDB stops an
 * unordered bulk at the first refused upsert, and each write is safe to repeat.
 */
export async function applyOnce(collection: Docs, changeId: string, writes: readonly DocWrite[]): Promise<void> {
  if (!writes.length) return;
  const operations = writes.map((w) => operation(collection, changeId, w));
  if (!(await bulkRefusals(() => collection.bulkWrite(operations, { ordered: false }))).length) return;
  for (const write of writes) {
    const one = () => collection.bulkWrite([operation(collection, changeId, write)], { ordered: false });
    // Refused twice: the document holds the change already.
    if ((await bulkRefusals(one)).length) await bulkRefusals(one);
  }
}

const leafRounds = new WeakMap<object, Rounds<{ changeId: string; write: DocWrite }>>();

/**
 * The same for the leaf rollups of many changes at once, in rounds (rounds.ts): one bulk of conditional `$inc`s per
 * round instead of one command per answer. If any write is refused (a change applied before, a lost race to
 * create), every change of the round goes again one by one through applyOnce, which is safe to repeat.
 */
export async function applyLeaves(collection: Docs, changeId: string, writes: readonly DocWrite[]): Promise<void> {
  let rounds = leafRounds.get(collection);
  if (!rounds) {
    rounds = new Rounds(async (items) => {
      const operations = items.map((item) => operation(collection, item.changeId, item.write));
      let refused = false;
      // In chunks: FerretDB slows down sharply on long bulks of updates (db-bulk.ts).
      await bulkWriteInChunks(async (chunk) => {
        if ((await bulkRefusals(() => collection.bulkWrite(chunk, { ordered: false }))).length) refused = true;
      }, operations);
      if (refused) {
        for (const item of items) await applyOnce(collection, item.changeId, [item.write]);
      }
      return [];
    });
    leafRounds.set(collection, rounds);
  }
  await Promise.all(writes.map((write) => rounds.push({ changeId, write })));
}
