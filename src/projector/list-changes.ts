import { commentTargets } from '../review/comment-entries';
import { canonicalEntry, type EntryTarget } from '../review/list-entries';
import { COMMENTS_COLLECTION, REVIEW_COLLECTION } from '../review/list-keys';
import { reviewTargets } from '../review/review-entries';
import type { ResponseDoc } from '../responses/response.model';
import type { PlanBuilder } from './plan';

/** The lists kept by the projector: the comment list and the review list, each a pure function of the responses. */
export const LISTS: ReadonlyArray<{ collection: string; targets: (r: ResponseDoc) => EntryTarget[] }> = [
  { collection: COMMENTS_COLLECTION, targets: commentTargets },
  { collection: REVIEW_COLLECTION, targets: reviewTargets },
];

const negated = (inc: Record<string, number>) => Object.fromEntries(Object.entries(inc).map(([path, n]) => [path, -n]));

/**
 * The list writes of one response going from `before` to `after` (null: not listed at all, as a new answer is):
 * entries that differ are set or removed in their buckets, and the counts beside them move by the difference
 * (the old entry's counts out, the new one's in). A response that moved units changes buckets: out of the old
 * scopes' documents, into the new ones'.
 */
export function planListChanges(plan: PlanBuilder, before: ResponseDoc | null, after: ResponseDoc | null): void {
  for (const list of LISTS) {
    const keyOf = (t: EntryTarget) => `${t.bucket}\u0000${t.key}`;
    const old = new Map((before ? list.targets(before) : []).map((t) => [keyOf(t), t]));
    const now = new Map((after ? list.targets(after) : []).map((t) => [keyOf(t), t]));
    for (const key of new Set([...old.keys(), ...now.keys()])) {
      const was = old.get(key);
      const is = now.get(key);
      const entryBefore = was?.next ?? null;
      const entryAfter = is?.next ?? null;
      const countsBefore = entryBefore ? was!.counts(entryBefore) : [];
      const countsAfter = entryAfter ? is!.counts(entryAfter) : [];
      const sameEntry = canonicalEntry(entryBefore) === canonicalEntry(entryAfter);
      // The same entry can count elsewhere: a cluster member whose unit moved is counted under other scopes.
      if (sameEntry && JSON.stringify(countsBefore) === JSON.stringify(countsAfter)) continue;
      const target = (is ?? was)!;
      if (!sameEntry && entryAfter) plan.set(list.collection, target.bucket, { [`e.${target.key}`]: entryAfter });
      else if (!sameEntry) plan.unset(list.collection, target.bucket, [`e.${target.key}`]);
      for (const write of countsBefore) plan.inc(list.collection, write.id, negated(write.inc), write.setOnInsert);
      for (const write of countsAfter) plan.inc(list.collection, write.id, write.inc, write.setOnInsert);
    }
  }
}
