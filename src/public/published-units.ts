import { Schema, type Connection, type Model } from 'mongoose';
import { insertOnce } from '../data/write-once';
import type { Unit } from '../units/unit.model';

/**
 * Which units the public may see (issue #27): nothing until department staff publish a unit, and with it its whole
 * subtree; withdrawing it hides them again at once (every public request reads this list, a few documents).
 */
export interface PublishedUnit {
  _id: string;
  publishedBy: string;
  publishedAt: Date;
}

const publishedUnitSchema = new Schema<PublishedUnit>(
  { _id: String, publishedBy: { type: String, required: true }, publishedAt: { type: Date, required: true } },
  { collection: 'published_units', versionKey: false },
);

export type PublishedUnitModel = Model<PublishedUnit>;
export const publishedUnitModel = (c: Connection): PublishedUnitModel =>
  (c.models.PublishedUnit as PublishedUnitModel | undefined) ?? c.model<PublishedUnit>('PublishedUnit', publishedUnitSchema);

/** Publishes a unit's subtree; false when it was published already. */
export const publishUnit = (Published: PublishedUnitModel, code: string, by: string, now: Date): Promise<boolean> =>
  insertOnce(() => Published.create({ _id: code, publishedBy: by, publishedAt: now }));

/** Withdraws a unit's subtree; false when it was not published. */
export async function withdrawUnit(Published: PublishedUnitModel, code: string): Promise<boolean> {
  return (await Published.deleteOne({ _id: code })).deletedCount === 1;
}

/** The units published with their subtrees, by code. */
export async function publishedRoots(Published: PublishedUnitModel): Promise<string[]> {
  return (await Published.find().sort({ _id: 1 }).lean()).map((doc) => doc._id);
}

/** Whether a unit lies in a published subtree. */
export const isPublished = (unit: Pick<Unit, 'code' | 'ancestors'>, roots: ReadonlySet<string>): boolean =>
  roots.has(unit.code) || (unit.ancestors ?? []).some((code) => roots.has(code));
