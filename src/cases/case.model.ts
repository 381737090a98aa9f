import { Schema, type Connection, type Model } from 'mongoose';
import type { SurveyKind } from '../surveys/instrument.types';

/** Where a follow-up stands: opened, the person reached, then closed one way or the other. */
export const CASE_STATUSES = ['new', 'contacted', 'resolved', 'closed_unreachable'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const CLOSED_STATUSES: readonly CaseStatus[] = ['resolved', 'closed_unreachable'];

export interface CaseNote {
  at: Date;
  by: string;
  text: string;
}

/**
 * A low rating from someone who asked to be contacted: a person for the unit to call back (issue 16). The case
 * holds no contact detail: those stay in `contacts` (responses/side-records.model.ts), shown only on the case page,
 * each view audited, and deleted a set time after the case is closed.
 */
export interface CaseDoc {
  _id: string;
  kind: SurveyKind;
  surveyKey: string;
  responseId: string;
  unitCode: string;
  unitAncestors: string[];
  /** the overall rating and its scale (1 the worst) */
  overall: number;
  scale: number;
  /** the answer's review flags, if any: a case from a flagged answer may be spam */
  flags: string[];
  status: CaseStatus;
  openedAt: Date;
  dueAt: Date;
  firstContactAt?: Date;
  closedAt?: Date;
  /** the account label the case is assigned to */
  assignee?: string;
  notes: CaseNote[];
  /** The one closing note e-mailed to the citizen (case-reply.ts): its text, when it was sent, or that sending failed. */
  reply?: { text: string; by: string; at: Date; sentAt?: Date; failed?: boolean };
}

const schema = new Schema<CaseDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    surveyKey: { type: String, required: true },
    responseId: { type: String, required: true },
    unitCode: { type: String, required: true },
    unitAncestors: { type: [String], default: [] },
    overall: { type: Number, required: true },
    scale: { type: Number, required: true },
    flags: { type: [String], default: [] },
    status: { type: String, enum: CASE_STATUSES, required: true },
    openedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    firstContactAt: { type: Date },
    closedAt: { type: Date },
    assignee: { type: String },
    notes: { type: [{ at: Date, by: String, text: String, _id: false }], default: [] },
    reply: { type: { _id: false, text: String, by: String, at: Date, sentAt: Date, failed: Boolean }, default: undefined },
  },
  { collection: 'cases', versionKey: false },
);

export type CaseModel = Model<CaseDoc>;
export const caseModel = (connection: Connection): CaseModel => (connection.models.Case as CaseModel | undefined) ?? connection.model<CaseDoc>('Case', schema);
