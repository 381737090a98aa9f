import type { Collection, mongo } from 'mongoose';
import { bulkWriteInChunks } from '../db-bulk';
import { bulkRefusals } from '../db-writes';
import { applyPaths } from './counters';
import type { DocWrite } from './fan-out';
import { emptyFigureData, packFigures, unpackFigures, type FigureDoc, type FigureModel } from './figure.model';
import { Rounds } from '../rounds';

interface Item {
  changeId: string;
  write: DocWrite;
}

const IDS_PER_READ = 1000;

/**
 * Writes the figure documents' shares of changes, in rounds (rounds.ts): read every document the round touches
 * with one query by ids, add to each the queued changes it does not hold yet (`pending`), and write them back in
 * one bulk, each only if its `rev` is still the one read (compare-and-set by `_id`, served by the `_id` index with
 * our FerretDB patch). Under a burst a document is rewritten once per round, not once per answer. A write that lost
 * (another instance wrote the document meanwhile) goes again in the next round, which re-reads the document: the
 * changes it already holds are not added twice. Nothing here decides correctness: a process that dies with
 * changes queued leaves their marks, and the repair applies them through the same path.
 */
export class FigureCommitter {
  private readonly rounds = new Rounds<Item>((items) => this.round(items));
  /** Change ids whose marks their own process cleared, by document: dropped from `pending` at its next write. */
  private readonly toClear = new Map<string, Set<string>>();

  constructor(private readonly Figure: FigureModel) {}

  private get collection(): Collection<FigureDoc> {
    return this.Figure.collection as unknown as Collection<FigureDoc>;
  }

  /** Applies one change's figure writes; resolves once every document holds it. */
  async apply(changeId: string, writes: readonly DocWrite[]): Promise<void> {
    await Promise.all(writes.map((write) => this.rounds.push({ changeId, write })));
  }

  /** Lets the traces of a finished change go from these documents with their next write. */
  forget(changeId: string, ids: readonly string[]): void {
    for (const id of ids) {
      const set = this.toClear.get(id);
      if (set) set.add(changeId);
      else if (this.toClear.size < 20_000) this.toClear.set(id, new Set([changeId]));
    }
  }

  private async round(items: Item[]): Promise<Item[]> {
    const byDoc = new Map<string, Item[]>();
    for (const item of items) byDoc.set(item.write.id, [...(byDoc.get(item.write.id) ?? []), item]);
    const ids = [...byDoc.keys()];
    const stored = new Map<string, FigureDoc>();
    for (let i = 0; i < ids.length; i += IDS_PER_READ) for (const doc of await this.collection.find({ _id: { $in: ids.slice(i, i + IDS_PER_READ) } }).toArray()) stored.set(doc._id, doc);

    const updates: mongo.AnyBulkWriteOperation<FigureDoc>[] = [];
    const inserts: FigureDoc[] = [];
    const updated: Item[] = [];
    const inserted: Item[] = [];
    for (const [id, docItems] of byDoc) {
      const doc = stored.get(id);
      const pending = new Set(doc?.pending ?? []);
      const fresh = docItems.filter((item) => !pending.has(item.changeId));
      if (!fresh.length) continue;
      const data = doc ? unpackFigures(doc) : emptyFigureData();
      for (const { write } of fresh) applyPaths(data as unknown as Record<string, unknown>, write.inc, write.set);
      const cleared = this.toClear.get(id);
      this.toClear.delete(id);
      const nextPending = [...pending].filter((change) => !cleared?.has(change)).concat(fresh.map((item) => item.changeId));
      const packed = packFigures(data);
      if (doc) {
        updates.push({ updateOne: { filter: { _id: id, rev: doc.rev }, update: { $set: { data: packed, pending: nextPending }, $inc: { rev: 1 } } } });
        updated.push(...fresh);
      } else {
        inserts.push({ _id: id, ...(docItems[0]!.write.setOnInsert as Pick<FigureDoc, 'period' | 'kind' | 'scope' | 'level'>), rev: 1, data: packed, pending: nextPending });
        inserted.push(...fresh);
      }
    }
    let matched = 0;
    const [, refused] = await Promise.all([
      // In chunks: FerretDB slows down sharply on long bulks of updates (db-bulk.ts).
      bulkWriteInChunks(async (chunk) => {
        matched += (await this.collection.bulkWrite(chunk, { ordered: false })).matchedCount;
      }, updates),
      inserts.length ? bulkRefusals(() => this.collection.insertMany(inserts, { ordered: false })) : [],
    ]);
    // Which compare-and-set lost is not told per write: if any did, all of this round's go again, and the next
    // round's read shows which documents already hold their change. The same for refused inserts (FerretDB stops
    // an unordered insert at its first refusal).
    const again: Item[] = [];
    if (matched < updates.length) again.push(...updated);
    if (refused.length) again.push(...inserted);
    return again;
  }
}

const committers = new WeakMap<FigureModel, FigureCommitter>();

/** One committer per model, i.e. per database connection (tests and two instances in one process stay apart). */
export function figureCommitter(Figure: FigureModel): FigureCommitter {
  let committer = committers.get(Figure);
  if (!committer) committers.set(Figure, (committer = new FigureCommitter(Figure)));
  return committer;
}
