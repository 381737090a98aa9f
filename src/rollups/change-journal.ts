import crypto from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Changes to the figures in flight. Without transactions, a change (an answer stored, an answer included or
 * excluded) is several writes: the response, then its leaf rollup and the figure documents of every scope above
 * it. Before the first of them a mark names the change, its responses and its sign; once every increment has
 * landed the mark goes. A mark older than a grace period therefore names a change cut off by a crash or an outage,
 * and the repair (repair.ts) finishes it exactly: it knows which responses moved (their `changes` hold the mark's
 * id, written in the same atomic update that moved them) and each document says whether it has the change
 * (`pending.<id>`), so nothing is guessed and nothing needs recounting.
 *
 * The collection only ever holds the changes of the last moments, so listing it is cheap on any database.
 */
export interface ChangeMark {
  _id: string;
  responseIds: string[];
  sign: 1 | -1;
  scale: number;
  at: Date;
  /** A repair working on it (so that a live change does not clear its trace meanwhile), with its start. */
  claim?: string;
  claimedAt?: Date;
}

const changeMarkSchema = new Schema<ChangeMark>(
  {
    _id: { type: String, required: true },
    responseIds: { type: [String], required: true },
    sign: { type: Number, required: true },
    scale: { type: Number, required: true },
    at: { type: Date, required: true },
    claim: String,
    claimedAt: Date,
  },
  { collection: 'rollup_changes', versionKey: false },
);

export type ChangeMarkModel = Model<ChangeMark>;
export const changeMarkModel = (connection: Connection): ChangeMarkModel =>
  (connection.models.ChangeMark as ChangeMarkModel | undefined) ?? connection.model<ChangeMark>('ChangeMark', changeMarkSchema);

/** A fresh change id: unique per attempt, so a replay of a form is never taken for the attempt that stored it. */
export const newChangeId = (reason: string) => `${reason}:${crypto.randomUUID()}`;

export async function markChange(Marks: ChangeMarkModel, mark: Omit<ChangeMark, 'claim' | 'claimedAt'>): Promise<void> {
  await Marks.collection.insertOne(mark as never);
}

/**
 * The change has fully landed (or never will): its mark goes, unless a repair has claimed it. Returns true when
 * this call removed it: only then may the documents' `pending.<id>` traces be cleared, since no repair can still
 * be applying the change.
 */
export async function clearChange(Marks: ChangeMarkModel, id: string): Promise<boolean> {
  const result = await Marks.collection.deleteOne({ _id: id, claim: { $exists: false } } as never);
  return result.deletedCount === 1;
}
