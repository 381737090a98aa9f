import { Schema, type Connection, type Model } from 'mongoose';
import { incrementById } from './data/write-once';
import { collectionOf } from './data/by-id';

/**
 * Change stamps: small documents in the database that say what changed, so that a copy of data kept in any
 * instance's memory can check, with one read by `_id`, whether it is still current. Every instance shares
 * them, which is what lets several app instances keep copies without ever serving a stale one.
 *
 * A stamp has a `reset` counter, bumped when anything under it may have changed (today: the units directory,
 * unit-directory.ts; the figures need none, they are read by `_id` on every request). A writer bumps the stamp
 * AFTER its write has landed; a reader reads the stamp BEFORE the data. A reader that saw a revision therefore
 * holds data at least that new, and any later write shows as a higher one. (`cells` is kept in the shape for
 * stamps written by earlier versions.)
 */
export interface Stamp {
  _id: string;
  reset?: number;
  cells?: Record<string, number>;
}

const stampSchema = new Schema<Stamp>({ _id: String, reset: Number, cells: Schema.Types.Mixed }, { collection: 'change_stamps', versionKey: false });

export type StampModel = Model<Stamp>;
export const stampModel = (c: Connection): StampModel => (c.models.Stamp as StampModel | undefined) ?? c.model<Stamp>('Stamp', stampSchema);

// Through the driver: the dynamic `cells.<key>` paths stay away from mongoose casting.
const raw = (Stamp: StampModel) => collectionOf<Stamp>(Stamp);

/** Records that anything under `stampId` may have changed (bulk writes, rebuilds, imports). */
export async function bumpReset(Stamp: StampModel, stampId: string): Promise<void> {
  await incrementById(raw(Stamp), stampId, { reset: 1 });
}

export async function readStamp(Stamp: StampModel, stampId: string): Promise<Required<Stamp>> {
  const stamp = await raw(Stamp).findOne({ _id: stampId });
  return { _id: stampId, reset: stamp?.reset ?? 0, cells: stamp?.cells ?? {} };
}
