import type { Flag, ResponseDoc, ResponseModel } from '../responses/response.model';
import { inParallel } from '../in-parallel';
import { runChange, type ChangeDocs } from './apply-change';
import { clearChange, markChange, newChangeId } from './change-journal';
import { figureWriteBehind } from './write-behind';

export interface CountedChangeDeps extends ChangeDocs {
  Response: ResponseModel;
}

export interface CountedChange {
  include: boolean;
  /** why: "review", "cluster", ... (names the change) */
  reason: string;
  /** a flag the response gets with the change (a cluster found after it was counted) */
  addFlag?: Flag;
  /** an admin's decision: who, recorded on the response */
  reviewer?: string;
}

/**
 * The atomic update by `_id` that moves one response into or out of the figures, only if it is in the other
 * state; it records the change id in `changes`, which is how a repair knows the response moved. Returns the
 * response as it was, or null when it did not move (someone else moved it first, or it is not stored).
 */
async function move(deps: CountedChangeDeps, responseId: string, changeId: string, change: CountedChange, now: Date): Promise<ResponseDoc | null> {
  const update: Record<string, unknown> = {
    $set: { counted: change.include, ...(change.reviewer ? { reviewedBy: change.reviewer, reviewedAt: now } : {}) },
    $push: { changes: changeId },
  };
  if (change.reviewer) update.$inc = { reviews: 1 };
  if (change.addFlag) update.$addToSet = { flags: change.addFlag };
  const before = await deps.Response.findOneAndUpdate({ _id: responseId, counted: !change.include }, update, { returnDocument: 'before' }).lean<ResponseDoc>().exec();
  // Not moved, but a cluster's flag still belongs on an answer that was already out for another reason.
  if (!before && change.addFlag) await deps.Response.updateOne({ _id: responseId }, { $addToSet: { flags: change.addFlag } });
  return before;
}

/**
 * Puts stored responses into the figures or takes them out, each exactly once whoever else tries at the same
 * moment (a double click, two admins, a cluster sweep racing the answer's own check): only the caller whose
 * conditional update moves a response counts it, and a whole cluster costs one write per figure document.
 * Returns how many responses this call moved.
 */
export async function changeCountedMany(deps: CountedChangeDeps, responses: readonly Pick<ResponseDoc, '_id'>[], change: CountedChange, scale: number, now: Date): Promise<number> {
  if (!responses.length) return 0;
  const id = newChangeId(change.reason);
  const responseIds = responses.map((r) => r._id);
  const moved = await runChange(deps, { id, responseIds, sign: change.include ? 1 : -1, scale, now }, async () => {
    const out: ResponseDoc[] = [];
    await inParallel(responseIds, 4, async (responseId) => {
      const before = await move(deps, responseId, id, change, now);
      if (before) out.push(before);
    });
    return out;
  });
  return moved.length;
}

/** The same for one response; true when this call moved it. */
export async function changeCounted(deps: CountedChangeDeps, response: Pick<ResponseDoc, '_id'>, change: CountedChange, scale: number, now: Date): Promise<boolean> {
  return (await changeCountedMany(deps, [response], change, scale, now)) === 1;
}

/** A new answer's change, begun before it is known whether the answer will be counted (see startAnswer). */
export interface AnswerChange {
  /** Stores the answer through `insert` and counts it; false when `insert` found it stored before. */
  count(response: ResponseDoc, insert: (response: ResponseDoc) => Promise<boolean>): Promise<boolean>;
  /** The answer is not counted after all (flagged): the mark goes. */
  drop(): Promise<void>;
}

/**
 * Begins the change of a new answer: its mark is inserted at once, while the caller does its other checks (the
 * address cluster, a dossier code), so a counted answer waits for one round trip less. A mark whose answer ends up
 * flagged, or is never stored, counts nothing even if it stays (the stored response does not name it).
 * `count` resolves once the answer is stored: its figure writes finish behind it (write-behind.ts).
 */
export function startAnswer(deps: ChangeDocs, responseId: string, scale: number, now: Date): AnswerChange {
  const id = newChangeId('answer');
  const marked = markChange(deps.RollupJournal, { _id: id, responseIds: [responseId], sign: 1, scale, at: now });
  // Settled here too, so that a failed mark of an answer that is dropped is not an unhandled rejection.
  marked.catch(() => undefined);
  return {
    count: async (response, insert) =>
      (await runChange(deps, { id, responseIds: [responseId], sign: 1, scale, now, marked }, async () => ((await insert({ ...response, changes: [id] })) ? [response] : []), figureWriteBehind(deps.Figure))).length === 1,
    drop: async () => {
      await marked;
      await clearChange(deps.RollupJournal, id);
    },
  };
}

/**
 * Stores a counted answer and counts it: mark, insert the response with the change id in `changes`, increment,
 * clear the mark. `insert` returns false when the response was stored before (a replay or a double click): then
 * nothing is counted, and the stored response names another change, so a repair of this mark counts nothing.
 */
export async function countNewAnswer(deps: ChangeDocs, response: ResponseDoc, scale: number, now: Date, insert: (response: ResponseDoc) => Promise<boolean>): Promise<boolean> {
  return startAnswer(deps, response._id, scale, now).count(response, insert);
}
