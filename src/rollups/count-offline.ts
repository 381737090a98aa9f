import type { Collection } from 'mongoose';
import { bulkWriteInChunks } from '../db-bulk';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { newChangeId } from './change-journal';
import type { DocWrite } from './fan-out';
import { figureCommitter } from './figure-commit';
import { expectedDocs } from './rebuild';

const upserts = (writes: Iterable<DocWrite>) =>
  [...writes].map((w) => ({ updateOne: { filter: { _id: w.id }, update: { $inc: w.inc, $set: w.set, $setOnInsert: w.setOnInsert }, upsert: true } }));

/**
 * Counts many stored responses at once (seeding, imports): increments summed per document in memory and written
 * with one upsert per leaf and figure document instead of one change per answer. No change marks: the caller
 * runs it outside live traffic, and `npm run rollups:rebuild` checks the result. Returns the documents written.
 */
export async function countOffline(models: Pick<Models, 'Rollup' | 'Figure'>, responses: ResponseDoc[], scaleOf: (r: ResponseDoc) => number): Promise<number> {
  const { leaves, figures } = expectedDocs(responses.filter((r) => r.counted), scaleOf);
  const collection = models.Rollup.collection as unknown as Collection<{ _id: string }>;
  await bulkWriteInChunks((chunk) => collection.bulkWrite(chunk as never, { ordered: false }), upserts(leaves.values()));
  // The figure documents through their usual compare-and-set, as one change whose trace goes with the next write.
  const committer = figureCommitter(models.Figure);
  const id = newChangeId('offline');
  await committer.apply(id, [...figures.values()]);
  committer.forget(id, [...figures.keys()]);
  return leaves.size + figures.size;
}
