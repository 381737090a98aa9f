import { Schema, type Connection, type Model } from 'mongoose';
import { insertOnce } from './write-once';

/**
 * Exactly-once claims: "only one of us does this" (send attempt N of an outbox entry, start a month's run) is
 * decided by inserting a claim document; the first insert wins, every other gets a duplicate-key error. Both
 * servers make a conditional update atomic too (FerretDB with our patch), but FerretDB serves only a bare `_id`
 * filter from its index: a conditional update of an outbox entry would decode the whole outbox for each send,
 * while this is one insert by `_id`.
 */
interface Claim {
  _id: string;
  at: Date;
}

const claimSchema = new Schema<Claim>({ _id: String, at: { type: Date, required: true } }, { collection: 'claims', versionKey: false });

export type ClaimModel = Model<Claim>;
export const claimModel = (c: Connection): ClaimModel => (c.models.Claim as ClaimModel | undefined) ?? c.model<Claim>('Claim', claimSchema);

/** True for the one caller that claimed `id` first. */
export const claimOnce = (Claim: ClaimModel, id: string, now: Date): Promise<boolean> => insertOnce(() => Claim.create({ _id: id, at: now }));
