import type { Collection, mongo } from 'mongoose';
import { bulkWriteInChunks } from '../data/bulk-chunks';
import { bulkRefusals } from '../data/write-once';
import type { Models } from '../models';
import type { LinkView } from '../responses/side-records.model';
import { unitsByCode } from '../units/unit-directory';
import { leafCounters } from './counters';
import { viewTotalId, type FigureDoc } from './figure.model';
import { figureWritesOf, mergeWrite, type DocWrite, type LeafCell } from './fan-out';
import { packedFigureOf, rebuildRollups } from './rebuild';
import { collectionNamed, collectionOf } from '../data/by-id';

type ScaleOf = (key: string, version: number) => Promise<number>;

/** A leaf rollup of earlier versions: the counts of one period, survey and unit. */
interface LegacyLeaf extends LeafCell {
  _id: string;
  scale: number;
  respondents: number;
  items: Record<string, Record<string, number>>;
}
const LEAF_COLLECTION = 'rollups';
const leavesOf = (models: Pick<Models, 'Figure'>) => collectionNamed<LegacyLeaf>(models.Figure.db, LEAF_COLLECTION);

/** The runOnce key of this migration (server.ts); a database whose figure documents are written from the start (a seed) marks it done. */
export const FIGURE_MIGRATION = 'figure-documents';

/**
 * Figure documents and view totals for a database written before they existed: built once from what is stored
 * (leaf rollups, link views), not from the responses, so it takes seconds at any size. Run before the instance
 * is ready (server.ts, runOnce). Each document is inserted only if absent: an instance that finished this first
 * and already counts live answers into a document is never overwritten, and two instances running it together
 * write the same documents. Changes left in flight by the previous version (its `rollup_journal`) leave its
 * leaves inexact: then the figure documents are recounted from the responses instead.
 */
export async function migrateToFigureDocs(models: Models, scaleOf: ScaleOf): Promise<{ figures: number; views: number; recounted: boolean }> {
  const legacy = collectionNamed(models.Figure.db, 'rollup_journal');
  const recounted = (await legacy.estimatedDocumentCount()) > 0;
  if (recounted) {
    await rebuildRollups(models, scaleOf, { fix: true });
    await legacy.deleteMany({});
  }

  const figures = new Map<string, DocWrite>();
  for await (const leaf of recounted ? [] : leavesOf(models).find({})) {
    // The same regrouping as a live answer's (fan-out.ts), from the leaf's counters instead of one answer's.
    const writes = figureWritesOf(leafCounters(leaf), leaf, leaf.scale);
    for (const write of writes) mergeWrite(figures, write);
  }
  const figureColl = collectionOf<FigureDoc>(models.Figure);
  await insertAbsent(
    figureColl,
    [...figures.values()].map((write) => packedFigureOf(write)),
  );

  const units = await unitsByCode(models.Unit);
  const totals = new Map<string, number>();
  for await (const view of collectionOf<LinkView>(models.LinkView).find({})) {
    const unit = units.get(view.unitCode);
    for (const scope of [view.unitCode, ...(unit?.ancestors ?? [])]) {
      const id = viewTotalId(view.period, scope);
      totals.set(id, (totals.get(id) ?? 0) + (view.views ?? 0));
    }
  }
  const viewColl = collectionOf<{ _id: string; views: number }>(models.ViewTotal);
  await insertAbsent(
    viewColl,
    [...totals].map(([id, views]) => ({ _id: id, views })),
  );
  return { figures: figures.size, views: totals.size, recounted };
}

/** Inserts the documents whose `_id` is not taken yet, a thousand per call (the others are left as they are). */
async function insertAbsent<T extends { _id: string }>(collection: Collection<T>, docs: T[]): Promise<void> {
  await bulkWriteInChunks((chunk) => bulkRefusals(() => collection.insertMany(chunk as mongo.OptionalUnlessRequiredId<T>[], { ordered: false })), docs, 1000);
}

/** The runOnce key of retireLeafRollups (server.ts), after FIGURE_MIGRATION. */
export const LEAF_RETIREMENT = 'leaf-rollups-retired';

/**
 * The leaf rollups (period, survey, unit) of earlier versions: once the figure documents are built from them
 * (migrateToFigureDocs), nothing reads or updates them any more, and counts left standing would only mislead
 * someone reading the database. Dropped once.
 */
export async function retireLeafRollups(models: Pick<Models, 'Figure'>): Promise<void> {
  if ((await models.Figure.db.listCollections()).some((c) => c.name === LEAF_COLLECTION)) await leavesOf(models).drop();
}
