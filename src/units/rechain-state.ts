import type { Models } from '../models';
import { collectionOf } from '../data/by-id';
import { incrementById } from '../data/write-once';

/** The state of moving answers to today's unit tree (rechain.ts), in the settings document `unit-rechain`. */
export const STATE_ID = 'unit-rechain';

export interface StateDoc {
  _id: string;
  value: string;
  requested?: number;
  done?: number;
  /**
   * The lease of the instance running a pass (data/leases.ts). Versions before it wrote `claim` and `claimedAt`,
   * which are not read: an older instance's pass still running during an upgrade may overlap a new one, and two
   * passes at once move each answer once.
   */
  holder?: string;
  until?: Date;
  scanned?: number;
  total?: number;
  moved?: number;
}

/** What the pages show while figures are being recomputed. */
export interface RechainProgress {
  scanned: number;
  total: number;
}

export const stateOf = (models: Models) => collectionOf<StateDoc>(models.Setting);
const DESCRIPTION = 'answers moved to the unit tree of today (src/reorganisation/rechain.ts)';

/** An import moved units: a pass is due. Call before starting it, so a pass already running sees the request. */
export async function requestRechain(models: Models): Promise<void> {
  await incrementById(stateOf(models), STATE_ID, { requested: 1 }, { value: DESCRIPTION });
}

/** Null when the figures follow today's tree; else how far the recompute has come. */
export async function rechainProgress(models: Models): Promise<RechainProgress | null> {
  const state = await stateOf(models).findOne({ _id: STATE_ID });
  if (!state || (state.done ?? 0) >= (state.requested ?? 0)) return null;
  return { scanned: state.scanned ?? 0, total: state.total ?? 0 };
}
