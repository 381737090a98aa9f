import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Exactly-once claims. FerretDB v1 does not make a conditional update atomic (two concurrent
 * `updateOne({ _id, counted: false }, …)` can both report a modification), but a unique `_id` on insert is
 * enforced by SQLite. So "only one of us does this" is decided by inserting a claim document: the first insert
 * wins, every other gets a duplicate-key error.
 */
interface Claim {
  _id: string;
  at: Date;
}

const claimSchema = new Schema<Claim>({ _id: String, at: { type: Date, required: true } }, { collection: 'claims', versionKey: false });

export type ClaimModel = Model<Claim>;
export const claimModel = (c: Connection): ClaimModel => (c.models.Claim as ClaimModel | undefined) ?? c.model<Claim>('Claim', claimSchema);

/** True for the one caller that claimed `id` first. */
export async function claimOnce(Claim: ClaimModel, id: string, now: Date): Promise<boolean> {
  try {
    await Claim.create({ _id: id, at: now });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return false;
    throw error;
  }
}
