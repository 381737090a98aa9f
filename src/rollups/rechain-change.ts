import type { Collection } from 'mongoose';
import { inParallel } from '../in-parallel';
import type { ResponseDoc } from '../responses/response.model';
import { finishChange } from './apply-change';
import { markChange, newChangeId } from './change-journal';
import type { CountedChangeDeps } from './counted-change';
import { changeWrites, mergeWrite, type DocWrite } from './fan-out';
import { figureCommitter } from './figure-commit';

/** Where an answer counts: today's chain above its unit and, where it differs, the chain on the answer's day. */
export interface Chains {
  ancestors: string[];
  then?: string[];
}

/** Answers of one unit and survey version counted under one pair of chains, to be counted under another. */
export interface RechainGroup {
  responseIds: string[];
  from: Chains;
  to: Chains;
  scale: number;
}

const under = (r: ResponseDoc, chains: Chains): ResponseDoc => {
  const { unitAncestorsThen: _then, ...rest } = r;
  return { ...rest, unitAncestors: chains.ancestors, ...(chains.then ? { unitAncestorsThen: chains.then } : {}) };
};

/**
 * The figure writes that take answers out of the scopes of chains `from` and put them into those of `to`, merged
 * per document: a scope in both (the department above a school moving between districts) nets to nothing and is
 * not written.
 */
export function rechainWrites(responses: readonly ResponseDoc[], from: Chains, to: Chains, scale: number): DocWrite[] {
  const merged = new Map<string, DocWrite>();
  const writes = [...changeWrites(responses.map((r) => under(r, from)), -1, scale), ...changeWrites(responses.map((r) => under(r, to)), 1, scale)];
  for (const write of writes) mergeWrite(merged, write);
  return [...merged.values()].filter((write) => Object.values(write.inc).some((n) => n !== 0));
}

/** The filter and update fields of a response's chains. */
const chainFilter = (chains: Chains) => ({ unitAncestors: chains.ancestors, unitAncestorsThen: chains.then ?? { $exists: false } });
const chainUpdate = (chains: Chains) => (chains.then ? { $set: { unitAncestors: chains.ancestors, unitAncestorsThen: chains.then } } : { $set: { unitAncestors: chains.ancestors }, $unset: { unitAncestorsThen: '' } });

/**
 * Moves one response to chain `to` if it is still counted under `from`, in one atomic update by `_id`. A counted
 * response records the change id in `changes` (how a repair knows its counts moved) and is returned as it was;
 * one that is not counted moves without a trace, since its counts are in no figure. Whatever decides on the
 * response at the same moment (a review) reads it whole before or after this update, so its counts always follow
 * the chain it carries.
 */
async function move(deps: CountedChangeDeps, responseId: string, group: RechainGroup, changeId: string): Promise<ResponseDoc | null> {
  // The driver's collection: mongoose would cast `$exists` on an array path as an element.
  const responses = deps.Response.collection as unknown as Collection<ResponseDoc>;
  const filter = chainFilter(group.from);
  const update = chainUpdate(group.to);
  const counted = await responses.findOneAndUpdate({ _id: responseId, counted: true, ...filter } as never, { ...update, $push: { changes: changeId } } as never, { returnDocument: 'before' });
  if (counted) return counted;
  await responses.updateOne({ _id: responseId, counted: false, ...filter } as never, update as never);
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
