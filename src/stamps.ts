import { Schema, type Collection, type Connection, type Model } from 'mongoose';
import { upsertRetryingDuplicate } from './db-writes';

/**
 * Change stamps: small documents in the database that say what changed, so that a copy of data kept in any
 * instance's memory can check, with one read by `_id`, whether it is still current. Every instance shares
 * them, which is what lets several app instances keep copies without ever serving a stale one.
 *
 * A stamp has a `reset` counter (bumped when "everything under this stamp may have changed", e.g. a bulk
 * rewrite) and `cells`, a revision counter per document id (bumped after each write to that document).
 * A writer bumps the stamp AFTER its write has landed; a reader reads the stamp BEFORE the data. A reader
 * that saw a revision therefore holds data at least that new, and any later write shows as a higher one.
 */
export interface Stamp {
  _id: string;
  reset?: number;
  cells?: Record<string, number>;
}

const stampSchema = new Schema<Stamp>({ _id: String, reset: Number, cells: Schema.Types.Mixed }, { collection: 'change_stamps', versionKey: false });

export type StampModel = Model<Stamp>;
export const stampModel = (c: Connection): StampModel => (c.models.Stamp as StampModel | undefined) ?? c.model<Stamp>('Stamp', stampSchema);

// Stamp ids are strings; the driver's default typing assumes ObjectIds. Raw access also keeps the dynamic
// `cells.<key>` paths away from mongoose casting.
const raw = (Stamp: StampModel) => Stamp.collection as unknown as Collection<Stamp>;

/** The stamp of one month of figure documents: rollups by survey kind, form views all together ("all"). */
export const monthStampId = (collection: 'rollups' | 'link_views', partition: string, period: string) => `${collection}|${partition}|${period}`;

/** A document id as a field name: no `.` or `$` may appear in a key (MongoDB and FerretDB both refuse them). */
export const cellKey = (id: string) => id.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24');

/** Records that the documents `ids` under `stampId` were written (call after the write has landed). */
export async function bumpCells(Stamp: StampModel, stampId: string, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const inc = Object.fromEntries(ids.map((id) => [`cells.${cellKey(id)}`, 1]));
  await upsertRetryingDuplicate(() => raw(Stamp).updateOne({ _id: stampId }, { $inc: inc }, { upsert: true }));
}

/** Records that anything under `stampId` may have changed (bulk writes, rebuilds, imports). */
export async function bumpReset(Stamp: StampModel, stampId: string): Promise<void> {
  await upsertRetryingDuplicate(() => raw(Stamp).updateOne({ _id: stampId }, { $inc: { reset: 1 } }, { upsert: true }));
}

export async function readStamp(Stamp: StampModel, stampId: string): Promise<Required<Stamp>> {
  const stamp = await raw(Stamp).findOne({ _id: stampId });
  return { _id: stampId, reset: stamp?.reset ?? 0, cells: stamp?.cells ?? {} };
}
