import { Schema, type Connection, type Model } from 'mongoose';
import type { Channel, InstrumentDefinition, SurveyKind } from './instrument.types';

/**
 * One document per published version of an instrument. A published version is never updated: an edited
 * instrument is stored as version + 1, and every response records the version it answered.
 */
export interface SurveyVersion {
  key: string;
  version: number;
  kind: SurveyKind;
  channel: Channel;
  /** sha256 of the definition's canonical JSON: tells whether the question bank changed. */
  hash: string;
  definition: InstrumentDefinition;
  publishedAt: Date;
  /** "bank": published from the question bank in code; "admin": wording edited in the admin side (who). */
  source?: 'bank' | 'admin';
  publishedBy?: string;
}

const surveySchema = new Schema<SurveyVersion>(
  {
    key: { type: String, required: true },
    version: { type: Number, required: true },
    kind: { type: String, required: true },
    channel: { type: String, required: true },
    hash: { type: String, required: true },
    definition: { type: Schema.Types.Mixed, required: true },
    publishedAt: { type: Date, required: true },
    source: { type: String, default: 'bank' },
    publishedBy: String,
  },
  { collection: 'surveys', minimize: false },
);
surveySchema.index({ key: 1, version: 1 }, { unique: true });

// Published versions are immutable: refuse every update path at the model level.
for (const op of ['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne', 'findOneAndReplace'] as const) {
  surveySchema.pre(op, function refuseUpdate() {
    throw new Error('A published survey version never changes; publish a new version instead');
  });
}

export type SurveyModel = Model<SurveyVersion>;
export const surveyModel = (connection: Connection): SurveyModel =>
  (connection.models.Survey as SurveyModel | undefined) ?? connection.model<SurveyVersion>('Survey', surveySchema);
