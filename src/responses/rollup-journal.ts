import { Schema, type Connection, type Model } from 'mongoose';
import { insertOnce } from '../db-writes';
import { rollupId } from './rollup.model';
import type { ResponseDoc } from './response.model';

/**
 * Rollup changes in flight. Without transactions, a response and its rollup increment are two writes; a crash or
 * a database outage between them leaves the figures unsure. Before the first write, an entry names the rollup
 * cell the change will touch; once the increment has landed, the entry is deleted. An entry older than a grace
 * period therefore marks a cell to recount (see repairPendingRollups).
 *
 * The marks live in their own small collection instead of a flag on the response: on FerretDB v1 every update
 * by `_id` scans the whole collection (its SQLite index is not used), and setting a flag on one of a million
 * responses cost seconds per submission. This collection only ever holds the changes of the last moments.
 */
export interface RollupJournalEntry {
  /** the change: the response id for a submission, the review claim for an include or exclude decision */
  _id: string;
  rollupId: string;
  period: string;
  surveyKey: string;
  unitCode: string;
  at: Date;
}

const rollupJournalSchema = new Schema<RollupJournalEntry>(
  {
    _id: { type: String, required: true },
    rollupId: { type: String, required: true },
    period: { type: String, required: true },
    surveyKey: { type: String, required: true },
    unitCode: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'rollup_journal', versionKey: false },
);

export type RollupJournalModel = Model<RollupJournalEntry>;
export const rollupJournalModel = (connection: Connection): RollupJournalModel =>
  (connection.models.RollupJournal as RollupJournalModel | undefined) ?? connection.model<RollupJournalEntry>('RollupJournal', rollupJournalSchema);

/**
 * Marks a rollup change as started. Returns false when the same change is already marked (a replay of a
 * submission still in flight, or one cut off earlier): that mark belongs to the first attempt.
 */
export async function beginRollupChange(
  Journal: RollupJournalModel,
  changeId: string,
  response: Pick<ResponseDoc, 'period' | 'surveyKey' | 'unitCode'>,
  now: Date,
): Promise<boolean> {
  return insertOnce(() =>
    Journal.collection.insertOne({
      _id: changeId,
      rollupId: rollupId(response.period, response.surveyKey, response.unitCode),
      period: response.period,
      surveyKey: response.surveyKey,
      unitCode: response.unitCode,
      at: now,
    } as never),
  );
}

/** The change has landed (or never will, e.g. a duplicate submission): the mark goes. */
export async function endRollupChange(Journal: RollupJournalModel, changeId: string): Promise<void> {
  await Journal.collection.deleteOne({ _id: changeId } as never);
}
