import { Schema, type Connection, type Model } from 'mongoose';
import type { ScoreCounts } from './counters';

/**
 * The figures of one scope, kind and month: every answer counted in a unit or anywhere below it, regrouped the way
 * the dashboard breaks them down. A dashboard, `/api/v1/stats`, an export or the monthly e-mail reads one document
 * per month of its range by `_id` (figureId), however many answers there are: no scan of a growing collection, no
 * copy of figures in any process. `level` "*" holds all answers; a school level's document only that level's,
 * for the level filter.
 *
 * `pending` holds the ids of the changes (change-journal.ts) applied to this document while they were in flight:
 * each increment is conditional on its change id being absent, so a change applied twice (a repair after a crash,
 * a retry) counts once. Readers ignore it.
 */
export interface FigureDoc {
  _id: string;
  period: string;
  kind: string;
  scope: string;
  level: string;
  respondents: number;
  /** survey key (fieldKey) -> its scale and answers per question and score */
  surveys: Record<string, { scale: number; items: Record<string, ScoreCounts> }>;
  /** the overall question by unit code, school level ("none" without) and district, then survey key */
  units: Record<string, Record<string, ScoreCounts>>;
  levels: Record<string, Record<string, ScoreCounts>>;
  districts: Record<string, Record<string, ScoreCounts>>;
  pending?: Record<string, number>;
}

const figureSchema = new Schema<FigureDoc>(
  {
    _id: { type: String, required: true },
    period: String,
    kind: String,
    scope: String,
    level: String,
    respondents: Number,
    surveys: Schema.Types.Mixed,
    units: Schema.Types.Mixed,
    levels: Schema.Types.Mixed,
    districts: Schema.Types.Mixed,
    pending: Schema.Types.Mixed,
  },
  { collection: 'figures', minimize: false, versionKey: false },
);

export const ALL_LEVELS = '*';
export const figureId = (period: string, kind: string, scope: string, level: string = ALL_LEVELS) => `${period}|${kind}|${scope}|${level}`;

export type FigureModel = Model<FigureDoc>;
export const figureModel = (connection: Connection): FigureModel =>
  (connection.models.Figure as FigureModel | undefined) ?? connection.model<FigureDoc>('Figure', figureSchema);

/** Form views of a scope (a unit and its subtree) in a month: the response rate's denominator. */
export interface ViewTotal {
  _id: string;
  views: number;
}
const viewTotalSchema = new Schema<ViewTotal>({ _id: String, views: Number }, { collection: 'view_totals', versionKey: false });
export const viewTotalId = (period: string, scope: string) => `${period}|${scope}`;
export type ViewTotalModel = Model<ViewTotal>;
export const viewTotalModel = (connection: Connection): ViewTotalModel =>
  (connection.models.ViewTotal as ViewTotalModel | undefined) ?? connection.model<ViewTotal>('ViewTotal', viewTotalSchema);
