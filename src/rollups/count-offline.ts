import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { newChangeId } from './change-journal';
import { figureCommitter } from './figure-commit';
import { expectedDocs } from './rebuild';

/**
 * Counts many stored responses at once (seeding, imports): increments summed per document in memory and written
 * with one compare-and-set per figure document instead of one change per answer. No change marks: the caller
 * runs it outside live traffic, and `npm run rollups:rebuild` checks the result. Returns the documents written.
 */
export async function countOffline(models: Pick<Models, 'Figure'>, responses: ResponseDoc[], scaleOf: (r: ResponseDoc) => number): Promise<number> {
  const figures = expectedDocs(responses.filter((r) => r.counted), scaleOf);
  // Through the usual compare-and-set, as one change whose trace goes with the next write.
  const committer = figureCommitter(models.Figure);
  const id = newChangeId('offline');
  await committer.apply(id, [...figures.values()]);
  committer.forget(id, [...figures.keys()]);
  return figures.size;
}
