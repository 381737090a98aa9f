import crypto from 'node:crypto';
import type { Collection } from 'mongoose';
import type { ResponseDoc } from '../responses/response.model';
import { applyChange } from './apply-change';
import type { ChangeMark } from './change-journal';
import type { CountedChangeDeps } from './counted-change';
import { figureCommitter } from './figure-commit';
import { rechainWrites } from './rechain-change';

/** A repair that stopped half-way (its process died) leaves its claim; after this long another may take over. */
const CLAIM_MS = 5 * 60_000;
const IDS_PER_READ = 500;

/**
 * Finishes the changes cut off by a crash or an outage: marks older than `graceMs` (a live change clears its
 * mark well within it). For each, under a claim so that the live change, if it was only slow, leaves the traces
 * alone: read its responses by `_id`, keep those whose `changes` name it (they moved; the others never did, or
 * moved under another change), and apply their increments with the change's id. Documents that already have it
 * (`pending.<id>`) do not count it again, so a half-applied change is completed, never doubled, and no answer is
 * recounted. Any number of instances may run this at once. Returns the number of marks finished.
 */
export async function repairChanges(deps: CountedChangeDeps, now: Date, graceMs = 60_000): Promise<number> {
  const marksColl = deps.RollupJournal.collection as unknown as Collection<ChangeMark>;
  const marks = await marksColl.find({}, { limit: 5000 }).toArray();
  let finished = 0;
  for (const mark of marks) {
    if (now.getTime() - mark.at.getTime() < graceMs) continue;
    if (mark.claim && mark.claimedAt && now.getTime() - mark.claimedAt.getTime() < CLAIM_MS) continue;
    const claim = crypto.randomUUID();
    const taken = await marksColl.updateOne({ _id: mark._id, claim: mark.claim ?? { $exists: false } } as never, { $set: { claim, claimedAt: now } });
    if (taken.modifiedCount !== 1) continue;
    const moved = (await readResponses(deps, mark.responseIds)).filter((r) => (r.changes ?? []).includes(mark._id));
    if (moved.length && mark.to) await figureCommitter(deps.Figure).apply(mark._id, rechainWrites(moved, mark.from ?? { ancestors: [] }, mark.to, mark.scale));
    else if (moved.length) await applyChange(deps, mark._id, moved, mark.sign, mark.scale);
    await marksColl.deleteOne({ _id: mark._id, claim } as never);
    finished += 1;
  }
  return finished;
}

/** Responses by `_id`, a few hundred per query (an `$in` of ids uses the `_id` index: docs/ferretdb-patch.md). */
async function readResponses(deps: CountedChangeDeps, ids: readonly string[]): Promise<ResponseDoc[]> {
  const responses = deps.Response.collection as unknown as Collection<ResponseDoc>;
  const out: ResponseDoc[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_READ) out.push(...(await responses.find({ _id: { $in: ids.slice(i, i + IDS_PER_READ) } }).toArray()));
  return out;
}
