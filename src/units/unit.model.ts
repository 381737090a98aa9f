import { Schema, type Connection, type Model } from 'mongoose';
import { bumpReset, stampModel } from '../stamps';
import type { SchoolLevel } from '../surveys/instrument.types';

/** `commune`: a UBND xã/phường, which since 1 July 2025 holds the schools that reported to a district office. */
export const UNIT_TYPES = ['department', 'district_office', 'commune', 'school', 'center', 'desk'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

export interface Unit {
  code: string;
  name: string;
  type: UnitType;
  level?: SchoolLevel;
  district?: string;
  parentCode?: string;
  /** Codes of every ancestor, root first: a subtree is the unit plus `{ ancestors: code }`. */
  ancestors: string[];
  /** Retired by a merger: the unit it joined. In today's tree the merged unit sits under it (`parentCode`), so its past answers count there. */
  mergedInto?: string;
  /** The day (YYYY-MM-DD) the merger took effect. */
  retiredFrom?: string;
  /** Every parent, name and merger the unit has had, oldest first, each from the day it took effect (unit-history.ts). */
  history?: UnitVersion[];
}

/** One version of a unit: what held from `from` (YYYY-MM-DD, Asia/Ho_Chi_Minh) until the next version's `from`. */
export interface UnitVersion {
  from: string;
  name: string;
  parentCode?: string;
  mergedInto?: string;
}

const unitSchema = new Schema<Unit>(
  {
    code: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    type: { type: String, required: true, enum: UNIT_TYPES },
    level: { type: String },
    district: { type: String },
    parentCode: { type: String },
    ancestors: { type: [String], default: [] },
    mergedInto: { type: String },
    retiredFrom: { type: String },
    history: { type: [{ _id: false, from: String, name: String, parentCode: String, mergedInto: String }], default: undefined },
  },
  { collection: 'units', timestamps: true },
);
unitSchema.index({ ancestors: 1 });

/**
 * Every write to units through the model bumps the units' change stamp in the database, after the write, so the
 * unit directory of every instance (unit-directory.ts) re-reads them at its next use. Units change only by
 * import, seeding and admin edits, all through the model.
 */
export const UNITS_STAMP = 'units';
async function noteWrite(this: unknown): Promise<void> {
  // `this` is a query (updateOne …), the model (insertMany, bulkWrite) or a document (save).
  const self = this as { db?: Connection; model?: { db?: Connection } };
  const connection = self.model?.db ?? self.db;
  if (connection) await bumpReset(stampModel(connection), UNITS_STAMP);
}
unitSchema.post('save', noteWrite);
unitSchema.post(['updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'replaceOne'], noteWrite);
unitSchema.post('insertMany', noteWrite);
unitSchema.post('bulkWrite', noteWrite);

export type UnitModel = Model<Unit>;
export const unitModel = (connection: Connection): UnitModel => (connection.models.Unit as UnitModel | undefined) ?? connection.model<Unit>('Unit', unitSchema);
