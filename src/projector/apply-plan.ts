import type { Collection, Connection, mongo } from 'mongoose';
import { BULK_CHUNK } from '../data/bulk-chunks';
import { collectionNamed, IDS_PER_COMMAND, readByIds } from '../data/by-id';
import { bulkRefusals } from '../data/write-once';
import { inParallel } from '../in-parallel';
import { applyPaths, nest } from '../figures/counters';
import { emptyFigureData, packFigures, unpackFigures, type FigureDoc } from '../figures/figure.model';
import type { DocChange, FigureChange, Plan } from './plan';
import { cooperative } from './yielding';

/**
 * Writes a batch's plan. The one idempotency rule of every derived document: it carries `batch`, the number of the
 * last projector batch applied to it, and batch N changes it only by a write whose filter says `batch` is below N
 * (absent counts as 0). Batches are applied in order, each completely before the next one is planned
 * (projector.ts), so a document at N or above already holds batch N: applying a plan twice, or by two instances at
 * once, changes each document once. Nothing is read to decide what to add; reads only tell which documents exist.
 */
export async function applyPlan(db: Connection, batch: number, plan: Plan): Promise<void> {
  // Short commands, a few at a time (WRITES_AT_ONCE): answers being stored meanwhile wait behind a few of them at
  // most, not behind a whole batch (the POST's p99, docs/benchmarks.md B2).
  await applyFigureChanges(collectionNamed<FigureDoc>(db, 'figures'), batch, plan.figures);
  for (const [name, changes] of Object.entries(plan.docs)) await applyDocChanges(collectionNamed<BatchDoc>(db, name), batch, changes);
  for (const [name, docs] of Object.entries(plan.inserts)) await insertEachOnce(collectionNamed(db, name), docs);
}

/**
 * How the writes of a batch go out. The embedded database lets one write in at a time, in arrival order (our
 * FerretDB patch, hunk 8): each update of a command waits for its own turn behind the answers being stored. One
 * command at a time made a batch of 62 figure documents wait 62 turns in a row (350-600 ms under B2's load); with
 * WRITES_AT_ONCE commands in flight, the batch's writes share each round of turns and the batch takes a fraction of
 * that, while an answer waits behind at most WRITES_AT_ONCE of them (docs/benchmarks.md, session 9).
 */
const WRITES_AT_ONCE = 8;
/** Figure documents per command: each is a whole packed document (a province's month is ~14 kB). */
const FIGURES_PER_WRITE = 2;
/** Other changes (list entries and counts, clusters) per command: small `$set`/`$inc` updates. */
const DOC_CHANGES_PER_WRITE = 4;

/** Sends `operations` in commands of `perCommand`, WRITES_AT_ONCE commands at a time. */
async function writeAtOnce<Op>(operations: readonly Op[], perCommand: number, write: (chunk: Op[]) => Promise<unknown>): Promise<void> {
  const chunks: Op[][] = [];
  for (let i = 0; i < operations.length; i += perCommand) chunks.push(operations.slice(i, i + perCommand));
  await inParallel(chunks, WRITES_AT_ONCE, async (chunk) => {
    await write(chunk);
  });
}

interface BatchDoc {
  _id: string;
  batch?: number;
}

/** The filter that makes a write batch N's: the document does not hold batch N (or a later one) yet. */
export const notYet = (batch: number) => ({ batch: { $not: { $gte: batch } } });

const updateOf = (change: DocChange, batch: number) => ({
  ...(change.inc && Object.keys(change.inc).length ? { $inc: change.inc } : {}),
  $set: { ...change.set, batch },
  ...(change.unset?.length ? { $unset: Object.fromEntries(change.unset.map((path) => [path, '' as const])) } : {}),
});

export function createdDoc(id: string, change: DocChange, batch: number): BatchDoc & Record<string, unknown> {
  const doc: BatchDoc & Record<string, unknown> = { ...nest((change.create ?? {}) as Record<string, number>), _id: id };
  applyPaths(doc, change.inc ?? {}, change.set ?? {});
  doc.batch = batch;
  return doc;
}

/**
 * Changes in place by the batch rule. Documents that exist get a conditional update (identical updates, such as
 * "projected" on every new answer, go as one updateMany); missing ones are inserted unless the change is for
 * existing documents only. An insert refused because the document appeared meanwhile means another instance
 * applied this batch first (nothing else creates these documents).
 */
async function applyDocChanges(collection: Collection<BatchDoc>, batch: number, changes: Record<string, DocChange>): Promise<void> {
  const ids = Object.keys(changes);
  const onlyExisting = ids.every((id) => changes[id]!.existing);
  const stored = onlyExisting ? undefined : await readByIds(collection, ids, { batch: 1 });
  const groups = new Map<string, { update: ReturnType<typeof updateOf>; ids: string[] }>();
  const inserts: BatchDoc[] = [];
  for (const id of ids) {
    const change = changes[id]!;
    const doc = stored?.get(id);
    if (stored && !doc) {
      // A document that only loses entries need not exist.
      if (!change.existing && (change.inc || change.set)) inserts.push(createdDoc(id, change, batch));
      continue;
    }
    if (doc && (doc.batch ?? 0) >= batch) continue;
    const update = updateOf(change, batch);
    const key = JSON.stringify(update);
    const group = groups.get(key);
    if (group) group.ids.push(id);
    else groups.set(key, { update, ids: [id] });
  }
  const operations: mongo.AnyBulkWriteOperation<BatchDoc>[] = [];
  for (const { update, ids: same } of groups.values()) {
    if (same.length === 1) operations.push({ updateOne: { filter: { _id: same[0]!, ...notYet(batch) }, update } });
    else
      for (let i = 0; i < same.length; i += IDS_PER_COMMAND)
        operations.push({ updateMany: { filter: { _id: { $in: same.slice(i, i + IDS_PER_COMMAND) }, ...notYet(batch) }, update } });
  }
  await writeAtOnce(operations, DOC_CHANGES_PER_WRITE, (chunk) => collection.bulkWrite(chunk, { ordered: false }));
  if (inserts.length) await bulkRefusals(() => collection.insertMany(inserts, { ordered: false }));
}

/** Documents written once whatever happens (their `_id` decides): an insert refused as a duplicate was made before. */
async function insertEachOnce(collection: Collection<{ _id: string }>, docs: ReadonlyArray<{ _id: string }>): Promise<void> {
  for (let i = 0; i < docs.length; i += BULK_CHUNK * 10)
    await bulkRefusals(() => collection.insertMany(docs.slice(i, i + BULK_CHUNK * 10), { ordered: false }));
}

/**
 * Packed figure documents: read whole, counts added in memory, written back by compare-and-set on `rev`, so that a
 * write of anything else meanwhile (a rebuild) is never overwritten; a lost write is read and tried again, and the
 * batch rule tells whether it still needs this batch.
 */
async function applyFigureChanges(collection: Collection<FigureDoc>, batch: number, changes: Record<string, FigureChange>): Promise<void> {
  let ids = Object.keys(changes);
  for (let round = 0; ids.length; round++) {
    if (round === 20) throw new Error(`projector: ${ids.length} figure documents kept changing under batch ${batch}`);
    const stored = await readByIds(collection, ids);
    const updates: mongo.AnyBulkWriteOperation<FigureDoc>[] = [];
    const inserts: FigureDoc[] = [];
    const pause = cooperative();
    for (const id of ids) {
      await pause();
      const doc = stored.get(id);
      if (doc && ((doc as FigureDoc & BatchDoc).batch ?? 0) >= batch) continue;
      const change = changes[id]!;
      const data = doc ? unpackFigures(doc) : emptyFigureData();
      applyPaths(data, change.inc, change.set);
      const packed = packFigures(data);
      if (doc)
        updates.push({
          updateOne: { filter: { _id: id, rev: doc.rev }, update: { $set: { data: packed, batch }, $inc: { rev: 1 }, $unset: { pending: '' } } },
        });
      else
        inserts.push({ _id: id, ...(change.setOnInsert as Pick<FigureDoc, 'period' | 'kind' | 'scope' | 'level'>), rev: 1, data: packed, batch } as FigureDoc);
    }
    let matched = 0;
    await writeAtOnce(updates, FIGURES_PER_WRITE, async (chunk) => {
      matched += (await collection.bulkWrite(chunk, { ordered: false })).matchedCount;
    });
    const refused = inserts.length ? await bulkRefusals(() => collection.insertMany(inserts, { ordered: false })) : [];
    // Which compare-and-set lost is not told per write: read them all again, and the batch rule skips the done ones.
    ids = matched < updates.length || refused.length ? ids : [];
  }
}
