import { Schema, type Connection, type Model } from 'mongoose';
import type { RowError } from '../imports/row-errors';

/** One dossier file uploaded on the admin side and what came of it (shown after the upload and in the history). */
export interface DossierImportLog {
  _id: string;
  at: Date;
  by: string;
  fileName: string;
  bytes: number;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** the first row errors (the file was then not imported at all) */
  rowErrors: RowError[];
  /** Where the import stands, written as it goes, so the uploading page can show it from any instance. */
  progress?: ImportProgress;
}

export const IMPORT_PHASES = ['checking', 'writing', 'recounting', 'done'] as const;
export interface ImportProgress {
  phase: (typeof IMPORT_PHASES)[number];
  written: number;
  total: number;
  updatedAt: Date;
}

const schema = new Schema<DossierImportLog>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    fileName: { type: String, default: '' },
    bytes: { type: Number, required: true },
    rows: { type: Number, required: true },
    inserted: { type: Number, required: true },
    updated: { type: Number, required: true },
    unchanged: { type: Number, required: true },
    rowErrors: { type: [Object], default: [] },
    progress: { type: { _id: false, phase: String, written: Number, total: Number, updatedAt: Date }, default: undefined },
  },
  { collection: 'dossier_imports', versionKey: false },
);

export type DossierImportLogModel = Model<DossierImportLog>;
export const dossierImportLogModel = (connection: Connection): DossierImportLogModel =>
  (connection.models.DossierImportLog as DossierImportLogModel | undefined) ?? connection.model<DossierImportLog>('DossierImportLog', schema);
