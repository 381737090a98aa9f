import crypto from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { Rounds } from '../rounds';
import type { Chains } from './rechain-change';

/**
 * Changes to the figures in flight. Without transactions, a change (an answer stored, an answer included or
 * excluded) is several writes: the response, then the figure documents of its unit and of every scope above it. Before the first of them a mark names the change, its responses and its sign; once every increment has
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
  /** A rechain (rechain-change.ts): the answers' counts move from the scopes of chains `from` to those of `to`. */
  from?: Chains;
  to?: Chains;
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
    from: { type: { _id: false, ancestors: [String], then: { type: [String], default: undefined } }, default: undefined },
    to: { type: { _id: false, ancestors: [String], then: { type: [String], default: undefined } }, default: undefined },
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

const markRounds = new WeakMap<ChangeMarkModel, Rounds<ChangeMark>>();
const clearRounds = new WeakMap<ChangeMarkModel, { rounds: Rounds<string>; cleared: Set<string> }>();

/** Marks a change as started: one insert per round of changes under way (rounds.ts), before any of its writes. */
export async function markChange(Marks: ChangeMarkModel, mark: Omit<ChangeMark, 'claim' | 'claimedAt'>): Promise<void> {
  let rounds = markRounds.get(Marks);
  if (!rounds) {
    rounds = new Rounds(async (marks) => {
      await Marks.collection.insertMany(marks as never[], { ordered: false });
      return [];
    });
    markRounds.set(Marks, rounds);
  }
  await rounds.push(mark);
}

/**
 * The change has fully landed (or never will): its mark goes, unless a repair has claimed it. Returns true when
 * this call removed it: only then may the documents' traces of the change be cleared, since no repair can still be
 * applying it. One delete per round of changes: when it removes fewer marks than it was given (a repair holds one),
 * none of them counts as removed here, which only leaves a few traces for longer.
 */
export async function clearChange(Marks: ChangeMarkModel, id: string): Promise<boolean> {
  let entry = clearRounds.get(Marks);
  if (!entry) {
    const cleared = new Set<string>();
    const rounds = new Rounds<string>(async (ids) => {
      const result = await Marks.collection.deleteMany({ _id: { $in: ids }, claim: { $exists: false } } as never);
      if (result.deletedCount === ids.length) for (const done of ids) cleared.add(done);
      return [];
    });
    clearRounds.set(Marks, (entry = { rounds, cleared }));
  }
  await entry.rounds.push(id);
  const removed = entry.cleared.has(id);
  entry.cleared.delete(id);
  return removed;
}
