import type { ResponseDoc } from '../responses/response.model';
import { clearChange, markChange, type ChangeMarkModel } from './change-journal';
import { changeWrites } from './fan-out';
import { figureCommitter } from './figure-commit';
import type { FigureModel } from './figure.model';
import type { WriteBehind } from './write-behind';

export interface ChangeDocs {
  Figure: FigureModel;
  RollupJournal: ChangeMarkModel;
}

/**
 * Adds (sign 1) or removes (-1) the answers of one change to the figure documents of their units and of every
 * scope above them, in rounds shared with the other changes under way, by compare-and-set of their packed counters
 * (figure-commit.ts). Idempotent per document. Returns the ids of the documents written.
 */
export async function applyChange(docs: ChangeDocs, changeId: string, responses: readonly ResponseDoc[], sign: 1 | -1, scale: number): Promise<string[]> {
  const writes = changeWrites(responses, sign, scale);
  await figureCommitter(docs.Figure).apply(changeId, writes);
  return writes.map((w) => w.id);
}

/** Removes the change's mark and, when this call removed it, lets its traces go with later writes. */
export async function finishChange(docs: ChangeDocs, changeId: string, written: string[]): Promise<void> {
  if (!(await clearChange(docs.RollupJournal, changeId))) return;
  figureCommitter(docs.Figure).forget(changeId, written);
}

/**
 * One change from start to end: mark it (sign, scale, responses), let `move` make the responses' own atomic
 * updates (each one records the change id in the response's `changes`, or does nothing), count the responses that
 * moved, clear the mark. Whatever is cut off in between leaves the mark, and the repair finishes the change.
 * `marked` is the mark's insert when the caller started it earlier (alongside other work, see startAnswer).
 * With `behind`, the figure writes and the mark's removal finish after this returns (write-behind.ts).
 */
export async function runChange(
  docs: ChangeDocs,
  change: { id: string; responseIds: string[]; sign: 1 | -1; scale: number; now: Date; marked?: Promise<void> },
  move: () => Promise<ResponseDoc[]>,
  behind?: WriteBehind,
): Promise<ResponseDoc[]> {
  await (change.marked ?? markChange(docs.RollupJournal, { _id: change.id, responseIds: change.responseIds, sign: change.sign, scale: change.scale, at: change.now }));
  const moved = await move();
  const finish = async () => {
    const written = moved.length ? await applyChange(docs, change.id, moved, change.sign, change.scale) : [];
    await finishChange(docs, change.id, written);
  };
  if (behind) await behind.run(finish);
  else await finish();
  return moved;
}
