import { Schema, type Connection, type Model } from 'mongoose';
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

export type LinkModel = Model<Link>;
export const linkModel = (connection: Connection): LinkModel =>
  (connection.models.Link as LinkModel | undefined) ?? connection.model<Link>('Link', linkSchema);
