import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The figures the dashboard reads: one document per (period, survey, unit), kept current with `$inc` at each
 * counted submission. `items.<question key>` holds the count of answers at each score, so shares at the top
 * levels, means and n all derive from it in TypeScript (FerretDB v1 cannot be trusted with multi-accumulator
 * aggregations). `respondents` counts response documents; `items.overall` is the headline question.
 */
export interface ScoreCounts {
  /** counts of answers by score: s1 … s5 (s1 … s3 on the quick rating) */
  [score: `s${number}`]: number;
}

export interface Rollup {
  _id: string;
  period: string;
  surveyKey: string;
  kind: string;
  channel: string;
  scale: number;
  unitCode: string;
  unitAncestors: string[];
  level?: string;
  district?: string;
  respondents: number;
  items: Record<string, ScoreCounts>;
  /** How many changes the document has had: a repair rewrites it only if none landed while it recounted. */
  rev?: number;
}

const rollupSchema = new Schema<Rollup>(
  {
    _id: { type: String, required: true },
    period: { type: String, required: true, index: true },
    surveyKey: { type: String, required: true },
    kind: { type: String, required: true, index: true },
    channel: { type: String, required: true },
    scale: { type: Number, required: true },
    unitCode: { type: String, required: true },
    unitAncestors: { type: [String], default: [] },
    level: String,
    district: String,
    respondents: { type: Number, default: 0 },
    items: { type: Schema.Types.Mixed, default: {} },
    rev: Number,
  },
  { collection: 'rollups', minimize: false, versionKey: false },
);

export const rollupId = (period: string, surveyKey: string, unitCode: string) => `${period}|${surveyKey}|${unitCode}`;

export type RollupModel = Model<Rollup>;
export const rollupModel = (connection: Connection): RollupModel =>
  (connection.models.Rollup as RollupModel | undefined) ?? connection.model<Rollup>('Rollup', rollupSchema);
