import { inParallel } from '../in-parallel';
import type { ResponseDoc } from '../responses/response.model';
import { finishChange } from './apply-change';
import { markChange, newChangeId } from './change-journal';
import type { CountedChangeDeps } from './counted-change';
import { changeWrites, mergeWrite, type DocWrite } from './fan-out';
import { figureCommitter } from './figure-commit';

/** Answers of one unit and survey version counted under one chain, to be counted under another. */
export interface RechainGroup {
  responseIds: string[];
  from: string[];
  to: string[];
  scale: number;
}

/**
 * The figure writes that take answers out of the scopes of chain `from` and put them into those of `to`, merged
 * per document: a scope in both chains (the department above a school moving between districts) nets to nothing
 * and is not written.
 */
export function rechainWrites(responses: readonly ResponseDoc[], from: readonly string[], to: readonly string[], scale: number): DocWrite[] {
  const under = (chain: readonly string[]) => responses.map((r) => ({ ...r, unitAncestors: [...chain] }));
  const merged = new Map<string, DocWrite>();
  for (const write of [...changeWrites(under(from), -1, scale), ...changeWrites(under(to), 1, scale)]) mergeWrite(merged, write);
  return [...merged.values()].filter((write) => Object.values(write.inc).some((n) => n !== 0));
}

/**
 * Moves one response to chain `to` if it is still counted under `from`, in one atomic update by `_id`. A counted
 * response records the change id in `changes` (how a repair knows its counts moved) and is returned as it was;
 * one that is not counted moves without a trace, since its counts are in no figure. Whatever decides on the
 * response at the same moment (a review) reads it whole before or after this update, so its counts always follow
 * the chain it carries.
 */
async function move(deps: CountedChangeDeps, responseId: string, group: RechainGroup, changeId: string): Promise<ResponseDoc | null> {
  const counted = await deps.Response.findOneAndUpdate(
    { _id: responseId, counted: true, unitAncestors: group.from },
    { $set: { unitAncestors: group.to }, $push: { changes: changeId } },
    { returnDocument: 'before' },
  )
    .lean<ResponseDoc>()
    .exec();
  if (counted) return counted;
  await deps.Response.updateOne({ _id: responseId, counted: false, unitAncestors: group.from }, { $set: { unitAncestors: group.to } });
  return null;
}

/**
 * Counts a group of stored answers under their unit's chain of today (after a unit moved or merged), each exactly
 * once whoever else moves them at the same time: marked in the journal with both chains first, so a crash in
 * between is finished by the repair (repair.ts) like any other change. Returns the counted responses it moved.
 */
export async function rechainResponses(deps: CountedChangeDeps, group: RechainGroup, now: Date): Promise<ResponseDoc[]> {
  const id = newChangeId('rechain');
  await markChange(deps.RollupJournal, { _id: id, responseIds: group.responseIds, sign: 1, scale: group.scale, at: now, from: group.from, to: group.to });
  const moved: ResponseDoc[] = [];
  await inParallel(group.responseIds, 4, async (responseId) => {
    const before = await move(deps, responseId, group, id);
    if (before) moved.push(before);
  });
  const writes = rechainWrites(moved, group.from, group.to, group.scale);
  if (writes.length) await figureCommitter(deps.Figure).apply(id, writes);
  await finishChange(deps, id, writes.map((w) => w.id));
  return moved;
}
