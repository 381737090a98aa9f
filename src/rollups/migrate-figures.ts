import type { Collection } from 'mongoose';
import { bulkWriteInChunks } from '../db-bulk';
import { bulkRefusals } from '../db-writes';
import type { Models } from '../models';
import type { Rollup } from '../responses/rollup.model';
import type { LinkView } from '../responses/side-records.model';
import { unitsByCode } from '../units/unit-directory';
import { leafCounters } from './counters';
import { viewTotalId } from './figure.model';
import { figureWritesOf, mergeWrite, type DocWrite } from './fan-out';
import { packedFigureOf, rebuildRollups } from './rebuild';

type ScaleOf = (key: string, version: number) => Promise<number>;

/** The runOnce key of this migration (server.ts); a database whose figure documents are written from the start (a seed) marks it done. */
export const FIGURE_MIGRATION = 'figure-documents';

/**
 * Figure documents and view totals for a database written before they existed: built once from what is stored
 * (leaf rollups, link views), not from the responses, so it takes seconds at any size. Run before the instance
 * is ready (server.ts, runOnce). Each document is inserted only if absent: an instance that finished this first
 * and already counts live answers into a document is never overwritten, and two instances running it together
 * write the same documents. Changes left in flight by the previous version (its `rollup_journal`) are settled by
 * a full recount from the responses first, which fixes both leaves and figures.
 */
export async function migrateToFigureDocs(models: Models, scaleOf: ScaleOf): Promise<{ figures: number; views: number; recounted: boolean }> {
  const legacy = models.Rollup.db.collection('rollup_journal');
  const recounted = (await legacy.estimatedDocumentCount()) > 0;
  if (recounted) {
    await rebuildRollups(models, scaleOf, { fix: true });
    await legacy.deleteMany({});
  }

  const figures = new Map<string, DocWrite>();
  for await (const leaf of (models.Rollup.collection as unknown as Collection<Rollup>).find({})) {
    // The same regrouping as a live answer's (fan-out.ts), from the leaf's counters instead of one answer's.
    const writes = figureWritesOf(leafCounters(leaf as never), leaf as never, leaf.scale);
    for (const write of writes) mergeWrite(figures, write);
  }
  const figureColl = models.Figure.collection as unknown as Collection<{ _id: string }>;
  await insertAbsent(figureColl, [...figures.values()].map((write) => packedFigureOf(write)));

  const units = await unitsByCode(models.Unit);
  const totals = new Map<string, number>();
  for await (const view of (models.LinkView.collection as unknown as Collection<LinkView>).find({})) {
    const unit = units.get(view.unitCode);
    for (const scope of [view.unitCode, ...(unit?.ancestors ?? [])]) {
      const id = viewTotalId(view.period, scope);
      totals.set(id, (totals.get(id) ?? 0) + (view.views ?? 0));
    }
  }
  const viewColl = models.ViewTotal.collection as unknown as Collection<{ _id: string; views: number }>;
  await insertAbsent(viewColl, [...totals].map(([id, views]) => ({ _id: id, views })));
  return { figures: figures.size, views: totals.size, recounted };
}

/** Inserts the documents whose `_id` is not taken yet, a thousand per call (the others are left as they are). */
async function insertAbsent<T extends { _id: string }>(collection: Collection<T>, docs: T[]): Promise<void> {
  await bulkWriteInChunks(
    (chunk) => bulkRefusals(() => collection.insertMany(chunk as never, { ordered: false })),
    docs,
    1000,
  );
}
