import { Schema, type Connection, type Model } from 'mongoose';
import type { SchoolLevel } from '../surveys/instrument.types';

export const UNIT_TYPES = ['department', 'district_office', 'school', 'center', 'desk'] as const;
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
  },
  { collection: 'units', timestamps: true },
);
unitSchema.index({ ancestors: 1 });

/**
 * Counts writes to units made through the model in this process, so the unit directory (unit-directory.ts) knows
 * when its copy is stale. Units change only by import or seeding; other instances' changes arrive by its TTL.
 */
let unitWrites = 0;
export const unitWriteCount = () => unitWrites;
const noteWrite = () => {
  unitWrites += 1;
};
unitSchema.post('save', noteWrite);
unitSchema.post(['updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'replaceOne'], noteWrite);
unitSchema.post('insertMany', noteWrite);
unitSchema.post('bulkWrite', noteWrite);

export type UnitModel = Model<Unit>;
export const unitModel = (connection: Connection): UnitModel =>
  (connection.models.Unit as UnitModel | undefined) ?? connection.model<Unit>('Unit', unitSchema);
