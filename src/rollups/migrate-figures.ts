import type { Collection } from 'mongoose';
import { bulkWriteInChunks } from '../db-bulk';
import { insertOnce } from '../db-writes';
import type { Models } from '../models';
import type { Rollup } from '../responses/rollup.model';
import type { LinkView } from '../responses/side-records.model';
import { unitsByCode } from '../units/unit-directory';
import { addIncrements, fieldKey, figureIncrement, leafCounters } from './counters';
import { ALL_LEVELS, figureId, viewTotalId } from './figure.model';
import type { DocWrite } from './fan-out';
import { documentOf, rebuildRollups } from './rebuild';

type ScaleOf = (key: string, version: number) => Promise<number>;

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
    const inc = figureIncrement(leafCounters(leaf as never), leaf);
    const levels = leaf.level ? [ALL_LEVELS, leaf.level] : [ALL_LEVELS];
    for (const scope of [leaf.unitCode, ...(leaf.unitAncestors ?? [])]) {
      for (const level of levels) {
        const id = figureId(leaf.period, leaf.kind, scope, level);
        const current = figures.get(id) ?? { id, inc: {}, set: {}, setOnInsert: { period: leaf.period, kind: leaf.kind, scope, level } };
        addIncrements(current.inc, inc);
        current.set[`surveys.${fieldKey(leaf.surveyKey)}.scale`] = leaf.scale;
        figures.set(id, current);
      }
    }
  }
  const figureColl = models.Figure.collection as unknown as Collection<{ _id: string }>;
  for (const write of figures.values()) await insertOnce(() => figureColl.insertOne(documentOf(write) as never));

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
  await bulkWriteInChunks(
    (chunk) => viewColl.bulkWrite(chunk, { ordered: false }).catch((error: { code?: number }) => {
      if (error.code !== 11000) throw error;
    }),
    [...totals].map(([id, views]) => ({ insertOne: { document: { _id: id, views } } })),
  );
  return { figures: figures.size, views: totals.size, recounted };
}
