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

export type UnitModel = Model<Unit>;
export const unitModel = (connection: Connection): UnitModel =>
  (connection.models.Unit as UnitModel | undefined) ?? connection.model<Unit>('Unit', unitSchema);
