import { Schema, type Connection, type Model } from 'mongoose';
import type { Channel, SchoolLevel, SurveyKind } from '../vocabulary';

/**
 * Why a response is kept out of the figures until an admin includes it. `burst` and `identical` mark a cluster from
 * one address on one link in one hour (address-clusters.ts); `dossier_reused` a dossier code another answer claimed.
 */
export const FLAGS = ['too_fast', 'honeypot', 'repeat_device', 'burst', 'identical', 'dossier_reused'] as const;
export type Flag = (typeof FLAGS)[number];
/** Flags that belong to a cluster of answers, decided together on the review page. */
export const CLUSTER_FLAGS: readonly Flag[] = ['burst', 'identical'];

/**
 * One stored answer sheet, raw. `_id` is the form token's id, so a replayed or double-clicked form can only
 * ever store one document. Unit, level and district are copied in, so figures never depend on later edits.
 */
export interface ResponseDoc {
  _id: string;
  linkCode: string;
  surveyKey: string;
  surveyVersion: number;
  kind: SurveyKind;
  channel: Channel;
  unitCode: string;
  /** The units above `unitCode` in today's tree: the scopes it counts in and who may read it (reorganisation/rechain.ts). */
  unitAncestors: string[];
  /** The units above it as the tree was on the day of the answer, only where that differs from today's (unit-history.ts). */
  unitAncestorsThen?: string[];
  level?: SchoolLevel;
  district?: string;
  procedureCode?: string;
  /**
   * The answer named a TTHC dossier code and was the first to (its claim, dossier-claim.ts, holds only a salted hash
   * and never names the answer): counted in the satisfaction of rated dossiers, never linked to the dossier.
   */
  ratedDossier?: boolean;
  /** question key -> score (1..5, or 1..3 for quick ratings); unanswered questions are absent. */
  answers: Record<string, number>;
  /**
   * The rating questions of its form left blank (form-fields.ts, skippedQuestions). Absent only on answers stored
   * before it existed, until the one-time migration `figures-blanks` fills it in (projector/migration.ts); the
   * figures do not count it in `blanksKnown`, which hides the question breakdowns of its month.
   */
  skipped?: string[];
  overall?: number;
  /** Overall answer at the top two levels of its scale; absent when the overall question was left blank. */
  overallTopTwo?: boolean;
  comment?: string;
  lang: 'vi' | 'en';
  submittedAt: Date;
  /** Calendar month in Asia/Ho_Chi_Minh, "YYYY-MM". */
  period: string;
  /**
   * When it arrived, for an answer sent late (issue #29: a kiosk rating queued offline): `submittedAt` is when it
   * was given, which decides its month; the figures count it as late (`late`).
   */
  arrivedAt?: Date;
  fillSeconds: number;
  /** HMAC of the client address under the day's salt (address-hash.ts): groups a cluster, useless once the salt is gone. */
  addressHash?: string;
  flags: Flag[];
  /** Counted in the figures: unflagged, or flagged and then included by an admin. */
  counted: boolean;
  hasContact: boolean;
  synthetic: boolean;
  /** Comment workflow (admin): new, seen, forwarded, resolved; free tags. Answers themselves never change. */
  commentStatus?: CommentStatus;
  commentTags?: string[];
  /** Who last included or excluded this response from the figures, and when. */
  reviewedBy?: string;
  reviewedAt?: Date;
  /** Number of include/exclude decisions recorded by admins (review.routes.ts, counted-change.ts). */
  reviews?: number;
  /**
   * The projector's inbox item that takes this answer into the figures and lists (src/projector/), set when the
   * answer is stored: while that item is in the inbox, the answer is stored but not projected yet. (Kept afterwards:
   * removing it would cost a write per answer.)
   */
  intake?: string;
  /** The last projector batch that changed this response (the batch rule, projector/apply-plan.ts). */
  batch?: number;
  /** Figure changes of versions before the projector (the old rollups/change-journal.ts); no longer written. */
  changes?: string[];
}

export const COMMENT_STATUSES = ['new', 'seen', 'forwarded', 'resolved'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

const responseSchema = new Schema<ResponseDoc>(
  {
    _id: { type: String, required: true },
    linkCode: { type: String, required: true, index: true },
    surveyKey: { type: String, required: true },
    surveyVersion: { type: Number, required: true },
    kind: { type: String, required: true },
    channel: { type: String, required: true },
    unitCode: { type: String, required: true, index: true },
    unitAncestors: { type: [String], default: [] },
    unitAncestorsThen: { type: [String], default: undefined },
    level: String,
    district: String,
    procedureCode: String,
    ratedDossier: Boolean,
    answers: { type: Schema.Types.Mixed, required: true },
    skipped: { type: [String], default: undefined },
    overall: Number,
    overallTopTwo: Boolean,
    comment: String,
    lang: { type: String, required: true },
    submittedAt: { type: Date, required: true },
    period: { type: String, required: true, index: true },
    arrivedAt: { type: Date },
    fillSeconds: { type: Number, required: true },
    addressHash: String,
    flags: { type: [String], default: [] },
    counted: { type: Boolean, required: true },
    hasContact: { type: Boolean, default: false },
    synthetic: { type: Boolean, default: false },
    commentStatus: String,
    commentTags: { type: [String], default: undefined },
    reviewedBy: String,
    reviewedAt: Date,
    reviews: Number,
    intake: String,
    batch: Number,
    changes: { type: [String], default: undefined },
  },
  { collection: 'responses', minimize: false, versionKey: false },
);

export type ResponseModel = Model<ResponseDoc>;
export const responseModel = (connection: Connection): ResponseModel =>
  (connection.models.Response as ResponseModel | undefined) ?? connection.model<ResponseDoc>('Response', responseSchema);
