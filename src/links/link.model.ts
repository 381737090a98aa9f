import { Schema, type Connection, type Model } from 'mongoose';
import { bumpReset, stampModel } from '../stamps';
import type { Channel, SurveyKind } from '../surveys/instrument.types';

/** A distribution link: what a QR code points to. Binds a survey, a unit and optionally a procedure (TTHC). */
export interface Link {
  code: string;
  surveyKey: string;
  kind: SurveyKind;
  channel: Channel;
  unitCode: string;
  procedure?: { code: string; name: string };
  opensAt: Date;
  closesAt?: Date;
  closedAt?: Date;
  createdAt?: Date;
}

const linkSchema = new Schema<Link>(
  {
    code: { type: String, required: true, unique: true },
    surveyKey: { type: String, required: true },
    kind: { type: String, required: true },
    channel: { type: String, required: true },
    unitCode: { type: String, required: true, index: true },
    procedure: { type: new Schema({ code: String, name: String }, { _id: false }) },
    opensAt: { type: Date, required: true },
    closesAt: { type: Date },
    closedAt: { type: Date },
  },
  { collection: 'links', timestamps: true },
);

/**
 * Every write of a link bumps this change stamp after it lands (as units do, unit.model.ts), so an instance that
 * keeps links in memory (link.service.ts) rereads one only when a link changed, with one read of the stamp by `_id`
 * instead of a search by code, which FerretDB answers by reading the whole collection.
 */
export const LINKS_STAMP = 'links';
async function noteWrite(this: unknown): Promise<void> {
  const self = this as { db?: Connection; model?: { db?: Connection } };
  const connection = self.model?.db ?? self.db;
  if (connection) await bumpReset(stampModel(connection), LINKS_STAMP);
}
linkSchema.post('save', noteWrite);
linkSchema.post(['updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'replaceOne'], noteWrite);
linkSchema.post('insertMany', noteWrite);
linkSchema.post('bulkWrite', noteWrite);

export type LinkModel = Model<Link>;
export const linkModel = (connection: Connection): LinkModel => (connection.models.Link as LinkModel | undefined) ?? connection.model<Link>('Link', linkSchema);
