import { inParallel } from '../in-parallel';
import { flagsNow, markSwept, sweptMembers, WHOLE_BUCKET, type ClusterLimits, type Sighting } from './address-clusters';
import type { RollupStore } from '../rollups/rollup-store';
import type { ResponseDoc, ResponseModel } from './response.model';
import { resyncResponses } from '../lists/list-sync';

/**
 * After an answer is stored, its cluster's earlier answers follow it out of the figures. Two parties can be the one
 * to take an answer out, and between them none is missed:
 * - the answer that crosses a limit sweeps the members listed so far (address-clusters.ts);
 * - every counted answer looks at its bucket again once stored: an answer still being stored when the crossing
 *   answer read the list (not listed yet, or listed but not yet stored) sees the crossing here and leaves itself.
 * The rollup store's `decide` moves each answer exactly once, whoever else tries. Members an admin has decided on are left alone.
 */
export async function settleCluster(
  deps: { Response: ResponseModel; rollups: RollupStore },
  sighting: Sighting,
  answer: { response: ResponseDoc; stored: boolean },
  scale: number,
  limits?: ClusterLimits,
): Promise<void> {
  const db = deps.Response.db;
  const { response } = answer;
  if (answer.stored && response.counted) {
    const [flag] = await flagsNow(db, sighting, limits);
    if (flag) {
      await deps.rollups.decide([response], { include: false, reason: 'cluster', addFlag: flag }, scale);
      await resyncResponses(db, [response]); // the comment and review lists follow the new flag
    }
  }
  for (const key of sighting.sweeps) {
    const flag = key === WHOLE_BUCKET ? 'burst' : 'identical';
    const ids = (await sweptMembers(db, sighting, key, limits)).filter((id) => id !== response._id);
    const members: ResponseDoc[] = [];
    await inParallel(ids, 4, async (id) => {
      const member = await deps.Response.findById(id).lean<ResponseDoc>();
      if (member && !member.reviewedBy && !(member.flags.includes(flag) && !member.counted)) members.push(member);
    });
    // Also the members already out for another reason: they get the flag, so the review page shows the whole cluster.
    await deps.rollups.decide(members, { include: false, reason: 'cluster', addFlag: flag }, scale);
    await resyncResponses(db, members);
    await markSwept(db, sighting, key);
  }
}
