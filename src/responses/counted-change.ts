import crypto from 'node:crypto';
import type { Flag, ResponseDoc, ResponseModel } from './response.model';
import type { RollupModel } from './rollup.model';
import { applyCellToRollup, applyToRollup } from './rollup.service';
import { rollupId } from './rollup.model';
import { inParallel } from '../in-parallel';
import { beginRollupChange, endRollupChange, type RollupJournalModel } from './rollup-journal';

export interface CountedChangeDeps {
  Response: ResponseModel;
  Rollup: RollupModel;
  RollupJournal: RollupJournalModel;
}

export interface CountedChange {
  include: boolean;
  /** why: "review", "cluster", ... (names the journal mark) */
  reason: string;
  /** a flag the response gets with the change (a cluster found after it was counted) */
  addFlag?: Flag;
  /** an admin's decision: who, recorded on the response */
  reviewer?: string;
}

/** The atomic update by `_id`; returns the document as it was before, or null when it is not stored (yet). */
function flip(deps: CountedChangeDeps, response: Pick<ResponseDoc, '_id'>, change: CountedChange, now: Date): Promise<ResponseDoc | null> {
  const update: Record<string, unknown> = { $set: { counted: change.include, ...(change.reviewer ? { reviewedBy: change.reviewer, reviewedAt: now } : {}) } };
  if (change.reviewer) update.$inc = { reviews: 1 };
  if (change.addFlag) update.$addToSet = { flags: change.addFlag };
  return deps.Response.findOneAndUpdate({ _id: response._id }, update, { returnDocument: 'before' }).lean<ResponseDoc>().exec();
}

/**
 * Puts a stored response into the figures or takes it out, exactly once whoever else tries at the same moment
 * (a double click, two admins, a cluster sweep racing the answer's own check). The change is one atomic update
 * by `_id` that returns the document as it was, so only the caller that sees it move from the other state moves
 * the rollup (an `_id` filter is the only one FerretDB serves from its index; a conditional filter would scan
 * every response). Like a submission (submit-response.ts) it is marked in the rollup journal first, so a crash
 * between the update and the increment is recounted instead of left wrong. Each attempt has its own mark, so a
 * loser removes its own and never one a winner still needs. Returns true when this call moved the figures.
 */
export async function changeCounted(deps: CountedChangeDeps, response: ResponseDoc, change: CountedChange, scale: number, now: Date): Promise<boolean> {
  const changeId = `${change.reason}:${response._id}:${crypto.randomUUID()}`;
  await beginRollupChange(deps.RollupJournal, changeId, response, now);
  const before = await flip(deps, response, change, now);
  const moved = Boolean(before && before.counted !== change.include);
  if (moved) await applyToRollup(deps.Rollup, before!, scale, change.include ? 1 : -1);
  await endRollupChange(deps.RollupJournal, changeId);
  return moved;
}

/**
 * The same for many responses at once (a cluster swept or decided together): one journal mark per rollup cell
 * before any response moves, each response flipped by its own atomic update (so each moves exactly once), then
 * one increment per cell for the responses this call moved, then the marks go. A crash in between leaves the
 * cells' marks, and the repair recounts those cells. Returns how many responses this call moved.
 */
export async function changeCountedMany(deps: CountedChangeDeps, responses: ResponseDoc[], change: CountedChange, scale: number, now: Date): Promise<number> {
  const cells = new Map<string, ResponseDoc>();
  for (const r of responses) cells.set(rollupId(r.period, r.surveyKey, r.unitCode), r);
  const marks = [...cells.values()].map((sample) => ({ id: `${change.reason}:${sample._id}:${crypto.randomUUID()}`, sample }));
  for (const mark of marks) await beginRollupChange(deps.RollupJournal, mark.id, mark.sample, now);
  const moved = new Map<string, ResponseDoc[]>();
  await inParallel(responses, 4, async (response) => {
    const before = await flip(deps, response, change, now);
    if (!before || before.counted === change.include) return;
    const cell = rollupId(before.period, before.surveyKey, before.unitCode);
    moved.set(cell, [...(moved.get(cell) ?? []), before]);
  });
  for (const group of moved.values()) await applyCellToRollup(deps.Rollup, group, scale, change.include ? 1 : -1);
  for (const mark of marks) await endRollupChange(deps.RollupJournal, mark.id);
  return [...moved.values()].reduce((n, group) => n + group.length, 0);
}
