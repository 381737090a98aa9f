import { Schema, type Connection, type Model } from 'mongoose';
import type { DossierChannel } from './dossier.model';

/**
 * The on-time counts of one month for one unit's subtree (`_id` "<YYYY-MM>|<unit code>"), read by `_id` like the
 * survey figures: a dashboard never scans the dossiers. A returned dossier counts in the month it was returned;
 * an open one is kept by its due time in the month it falls due, and counts as late once that time has passed
 * (on-time.ts decides at read time, so no nightly job has to move it).
 */
export interface DossierFigureDoc {
  _id: string;
  period: string;
  scope: string;
  returned: number;
  onTime: number;
  /** returned dossiers whose code a survey answer claimed (responses/dossier-claim.ts): rated */
  rated: number;
  /** due times (ms) of the dossiers still open that fall due this month */
  openDue: number[];
  /** the returned dossiers by procedure and by channel (figures recounted before these existed have none) */
  procedures?: Array<{ code: string; name: string; returned: number; onTime: number }>;
  channels?: Array<{ channel: DossierChannel; returned: number; onTime: number }>;
  /** the dossiers returned late this month and those still open that fall due this month: the late list's rows */
  watch?: WatchedDossier[];
}

/**
 * A dossier the unit's staff may have to answer for: returned late, or open (late once its due time passes).
 * No dossier code: the figures never hold one, and the staff find the dossier in the one-stop system by these.
 */
export interface WatchedDossier {
  unitCode: string;
  procedureCode: string;
  procedureName: string;
  channel: DossierChannel;
  receivedAt: number;
  dueAt: number;
  /** absent while open */
  returnedAt?: number;
  apologySent: boolean;
}

const schema = new Schema<DossierFigureDoc>(
  {
    _id: { type: String, required: true },
    period: { type: String, required: true },
    scope: { type: String, required: true },
    returned: { type: Number, required: true },
    onTime: { type: Number, required: true },
    rated: { type: Number, required: true },
    openDue: { type: [Number], default: [] },
    procedures: { type: [Object], default: undefined },
    channels: { type: [Object], default: undefined },
    watch: { type: [Object], default: undefined },
  },
  { collection: 'dossier_figures', versionKey: false },
);

export type DossierFigureModel = Model<DossierFigureDoc>;
export const dossierFigureModel = (connection: Connection): DossierFigureModel =>
  (connection.models.DossierFigure as DossierFigureModel | undefined) ?? connection.model<DossierFigureDoc>('DossierFigure', schema);

export const dossierFigureId = (period: string, scope: string) => `${period}|${scope}`;
