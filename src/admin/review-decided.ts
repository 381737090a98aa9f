import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { resyncResponses } from '../lists/list-sync';

/**
 * A decision that moves nothing in the figures still decides: excluding an answer that flagging already kept out
 * confirms it stays out. Recorded like a decision that moves the figures (who, when, one more review), once
 * (conditional by `_id`: a double click records nothing more). Returns how many answers this call decided.
 */
export async function recordUnmovedDecisions(models: Models, responses: readonly ResponseDoc[], reviewer: string, now: Date): Promise<number> {
  let decided = 0;
  for (const r of responses) {
    const result = await models.Response.collection.updateOne(
      { _id: r._id, reviewedBy: { $exists: false } } as never,
      { $set: { reviewedBy: reviewer, reviewedAt: now }, $inc: { reviews: 1 } },
    );
    decided += result.modifiedCount;
  }
  return decided;
}

/** After any decision: the decided answers leave the review list (list-sync.ts reads them as now stored). */
export const afterDecision = (models: Models, responses: readonly ResponseDoc[]) => resyncResponses(models.Response.db, responses);
