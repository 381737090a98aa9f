import { Schema, type Connection, type Model } from 'mongoose';

/** How the dossier was filed at the one-stop desk (Hệ thống thông tin giải quyết TTHC's export). */
export const DOSSIER_CHANNELS = ['online', 'direct', 'postal'] as const;
export type DossierChannel = (typeof DOSSIER_CHANNELS)[number];

/**
 * One TTHC dossier as the one-stop system exported it. `_id` is the salted hash of its code (the same hash the
 * survey's dossier claims use, responses/dossier-claim.ts), never the code itself: the code names a person's
 * application. Re-importing a later export updates the dossier in place (a return date filled in).
 */
export interface DossierDoc {
  _id: string;
  procedureCode: string;
  procedureName: string;
  unitCode: string;
  receivedAt: Date;
  /** The promised return (ngày hẹn trả); a date without a time is the end of that day in Asia/Ho_Chi_Minh. */
  dueAt: Date;
  /** Absent while the dossier is being handled. */
  returnedAt?: Date;
  channel: DossierChannel;
  /** The apology letter for a late dossier (phiếu xin lỗi và hẹn lại ngày trả). */
  apologySent: boolean;
  /**
   * The one-stop columns of issue #28, absent when the file had no such column (unknown: not counted either way).
   * `paidOnline` is null when the procedure has no fee; `complaint` is a complaint or a "dislike" rating recorded.
   */
  paidOnline?: boolean | null;
  digitised?: boolean;
  complaint?: boolean;
  firstImportedAt: Date;
}

const schema = new Schema<DossierDoc>(
  {
    _id: { type: String, required: true },
    procedureCode: { type: String, required: true },
    procedureName: { type: String, required: true },
    unitCode: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    returnedAt: { type: Date },
    channel: { type: String, enum: DOSSIER_CHANNELS, required: true },
    apologySent: { type: Boolean, required: true },
    paidOnline: { type: Boolean, default: undefined },
    digitised: { type: Boolean, default: undefined },
    complaint: { type: Boolean, default: undefined },
    firstImportedAt: { type: Date, required: true },
  },
  { collection: 'dossiers', versionKey: false },
);

export type DossierModel = Model<DossierDoc>;

export const dossierModel = (connection: Connection): DossierModel =>
  (connection.models.Dossier as DossierModel | undefined) ?? connection.model<DossierDoc>('Dossier', schema);
