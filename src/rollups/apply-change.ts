import type { Collection } from 'mongoose';
import type { ResponseDoc } from '../responses/response.model';
import type { RollupModel } from '../responses/rollup.model';
import { applyLeaves, forgetChange } from './apply-once';
import { clearChange, markChange, type ChangeMarkModel } from './change-journal';
import { changeWrites } from './fan-out';
import { figureCommitter } from './figure-commit';
import type { FigureModel } from './figure.model';

export interface ChangeDocs {
  Rollup: RollupModel;
  Figure: FigureModel;
  RollupJournal: ChangeMarkModel;
}

// Ids are strings, not ObjectIds; the driver's default typing assumes the latter. Raw collections also keep the
// dynamic counter paths away from mongoose casting.
const raw = (model: { collection: unknown }) => model.collection as Collection<{ _id: string }>;

/**
 * Adds (sign 1) or removes (-1) the answers of one change to their leaf rollups and to the figure documents of
 * every scope above them, both at once, each in rounds shared with the other changes under way: the leaves by a
 * bulk of conditional `$inc`s (apply-once.ts), the figure documents by compare-and-set of their packed counters
 * (figure-commit.ts). Idempotent per document.
 */
export async function applyChange(docs: ChangeDocs, changeId: string, responses: readonly ResponseDoc[], sign: 1 | -1, scale: number): Promise<{ leaves: string[]; figures: string[] }> {
  const writes = changeWrites(responses, sign, scale);
  await Promise.all([applyLeaves(raw(docs.Rollup), changeId, writes.leaves), figureCommitter(docs.Figure).apply(changeId, writes.figures)]);
  return { leaves: writes.leaves.map((w) => w.id), figures: writes.figures.map((w) => w.id) };
}

/** Removes the change's mark and, when this call removed it, lets its traces go with later writes. */
export async function finishChange(docs: ChangeDocs, changeId: string, written: { leaves: string[]; figures: string[] }): Promise<void> {
  if (!(await clearChange(docs.RollupJournal, changeId))) return;
  forgetChange(raw(docs.Rollup), changeId, written.leaves);
  figureCommitter(docs.Figure).forget(changeId, written.figures);
}

/**
 * One change from start to end: mark it (sign, scale, responses), let `move` make the responses' own atomic
 * updates (each one records the change id in the response's `changes`, or does nothing), count the responses that
 * moved, clear the mark. Whatever is cut off in between leaves the mark, and the repair finishes the change.
 * `marked` is the mark's insert when the caller started it earlier (alongside other work, see startAnswer).
 */
export async function runChange(
  docs: ChangeDocs,
  change: { id: string; responseIds: string[]; sign: 1 | -1; scale: number; now: Date; marked?: Promise<void> },
  move: () => Promise<ResponseDoc[]>,
): Promise<ResponseDoc[]> {
  await (change.marked ?? markChange(docs.RollupJournal, { _id: change.id, responseIds: change.responseIds, sign: change.sign, scale: change.scale, at: change.now }));
  const moved = await move();
  const written = moved.length ? await applyChange(docs, change.id, moved, change.sign, change.scale) : { leaves: [], figures: [] };
  await finishChange(docs, change.id, written);
  return moved;
}
