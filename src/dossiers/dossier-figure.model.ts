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
  /** the one-stop shares' counts (issue #28; figures recounted before these existed have none) */
  oneStop?: OneStopCounts;
}

/**
 * Counts behind the one-stop shares, by the month a dossier was received (`received` … `paidOnline`) or returned
 * (the rest). A dossier whose file lacked a column counts in neither part of that share (`…Known` is its base).
 */
export interface OneStopCounts {
  received: number;
  /** received through online public services (`channel` online) */
  online: number;
  /** received for a procedure with a fee (`paid_online` true or false) */
  withFee: number;
  paidOnline: number;
  /** returned, with the `digitised` column */
  digitisedKnown: number;
  digitised: number;
  /** returned, with the `complaint` column */
  complaintKnown: number;
  complaints: number;
}

export const noOneStopCounts = (): OneStopCounts => ({
  received: 0,
  online: 0,
  withFee: 0,
  paidOnline: 0,
  digitisedKnown: 0,
  digitised: 0,
  complaintKnown: 0,
  complaints: 0,
});

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
    oneStop: { type: Object, default: undefined },
  },
  { collection: 'dossier_figures', versionKey: false },
);

export type DossierFigureModel = Model<DossierFigureDoc>;
export const dossierFigureModel = (connection: Connection): DossierFigureModel =>
  (connection.models.DossierFigure as DossierFigureModel | undefined) ?? connection.model<DossierFigureDoc>('DossierFigure', schema);

export const dossierFigureId = (period: string, scope: string) => `${period}|${scope}`;
