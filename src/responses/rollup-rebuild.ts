import mongoose, { type Collection } from 'mongoose';
import type { Models } from '../models';
import { bulkWriteInChunks } from '../db-bulk';
import { counterLocks } from '../keyed-mutex';
import { rollupCache } from '../stats/figure-caches';
import type { ResponseDoc } from './response.model';
import type { Rollup } from './rollup.model';
import type { RollupJournalEntry } from './rollup-journal';
import { rollupUpdate } from './rollup.service';

export interface RebuildReport {
  responses: number;
  rollups: number;
  /** Rollup ids whose stored counts differ from the recount (missing, extra or different). */
  differences: string[];
  fixed: boolean;
}

type Expected = Map<string, { inc: Record<string, number>; setOnInsert: Record<string, unknown> }>;
type ScaleOf = (key: string, version: number) => Promise<number>;

/** Recounts counted responses (all, or those matching `filter`) into the rollup shape, in memory. */
async function recount(models: Models, scaleOf: ScaleOf, filter: Record<string, unknown> = {}): Promise<{ expected: Expected; responses: number }> {
  const expected: Expected = new Map();
  let responses = 0;
  const cursor = models.Response.find({ ...filter, counted: true }).lean<ResponseDoc>().cursor({ batchSize: 1000 });
  for await (const response of cursor) {
    responses += 1;
    const { filter, update } = rollupUpdate(response as ResponseDoc, await scaleOf(response.surveyKey, response.surveyVersion));
    const current = expected.get(filter._id);
    if (!current) {
      expected.set(filter._id, { inc: { ...update.$inc }, setOnInsert: update.$setOnInsert });
      continue;
    }
    for (const [path, value] of Object.entries(update.$inc)) current.inc[path] = (current.inc[path] ?? 0) + value;
  }
  return { expected, responses };
}

/** Flattens a stored rollup into the same "respondents"/"items.<q>.s<n>" counters as the recount (zeros dropped). */
function countersOf(rollup: Rollup): Record<string, number> {
  const out: Record<string, number> = {};
  if (rollup.respondents) out.respondents = rollup.respondents;
  for (const [item, counts] of Object.entries(rollup.items ?? {})) {
    for (const [score, count] of Object.entries(counts ?? {})) if (count) out[`items.${item}.${score}`] = count as number;
  }
  return out;
}

/** The full rollup document a recount describes (counters as nested `items.<q>.s<n>`). */
function rollupDocument(id: string, want: { inc: Record<string, number>; setOnInsert: Record<string, unknown> }) {
  const items: Record<string, Record<string, number>> = {};
  for (const [path, value] of Object.entries(want.inc)) {
    const [, item, score] = path.split('.');
    if (item && score) (items[item] ??= {})[score] = value;
  }
  return { _id: id, ...want.setOnInsert, respondents: want.inc.respondents ?? 0, items };
}

const sameCounters = (a: Record<string, number>, b: Record<string, number>) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if ((a[key] ?? 0) !== (b[key] ?? 0)) return false;
  return true;
};

/**
 * Recomputes the rollups from the raw responses and compares them with the incrementally maintained ones.
 * With `fix`, differing documents are rewritten and stray ones removed. Run it while no submissions arrive
 * (a submission landing mid-rebuild could be counted twice or missed until the next rebuild).
 */
export async function rebuildRollups(models: Models, scaleOf: (key: string, version: number) => Promise<number>, options: { fix: boolean }): Promise<RebuildReport> {
  const { expected, responses } = await recount(models, scaleOf);
  const stored = await models.Rollup.find().lean<Rollup[]>();
  const differences: string[] = [];
  const storedIds = new Set<string>();
  for (const rollup of stored) {
    storedIds.add(rollup._id);
    const want = expected.get(rollup._id);
    if (!want ? Object.keys(countersOf(rollup)).length > 0 : !sameCounters(countersOf(rollup), want.inc)) differences.push(rollup._id);
  }
  for (const id of expected.keys()) if (!storedIds.has(id)) differences.push(id);

  if (options.fix && differences.length) {
    const raw = models.Rollup.collection as unknown as Collection<{ _id: string }>;
    // Whole-document replacements: repeating them (or two running at once) gives the same result.
    const writes = differences.map((id) => {
      const want = expected.get(id);
      return want
        ? { replaceOne: { filter: { _id: id }, replacement: rollupDocument(id, want), upsert: true } }
        : { deleteOne: { filter: { _id: id } } };
    });
    await bulkWriteInChunks((chunk) => raw.bulkWrite(chunk as never, { ordered: false }), writes);
    rollupCache(models.Rollup).invalidate();
  }
  return { responses, rollups: expected.size, differences, fixed: options.fix && differences.length > 0 };
}

/**
 * Finishes rollup changes that never completed: the process died (or the database dropped) between marking a
 * change in the rollup journal and clearing the mark, so whether its increment landed is unknown. Instead of
 * guessing, each affected rollup cell (period, survey, unit) is recounted from its raw responses and rewritten,
 * then its marks are cleared. A live change always has a mark younger than `graceMs` from before its response
 * insert until after its increment, so a cell is recounted only while it has no young mark, checked before and
 * after the recount; the cell's lock keeps this process's increments out meanwhile. Marks younger than the grace
 * hold their cell back until a later tick. `npm run rollups:rebuild` remains the full check. Returns the number
 * of marks cleared.
 */
export async function repairPendingRollups(models: Models, scaleOf: ScaleOf, now: Date, graceMs = 30_000): Promise<number> {
  const isOld = (entry: RollupJournalEntry) => now.getTime() - entry.at.getTime() >= graceMs;
  const cells = new Set((await models.RollupJournal.find().limit(5000).lean<RollupJournalEntry[]>()).filter(isOld).map((e) => e.rollupId));
  const raw = models.Rollup.collection as unknown as Collection<{ _id: string }>;
  const marksOf = (id: string) => models.RollupJournal.find({ rollupId: id }).lean<RollupJournalEntry[]>();
  let cleared = 0;
  for (const id of cells) {
    await counterLocks.run(id, async () => {
      // Read again under the lock: another repair (or instance) may have finished this cell meanwhile.
      const marks = await marksOf(id);
      if (!marks.length || !marks.every(isOld)) return;
      const { period, surveyKey, unitCode } = marks[0]!;
      const { expected } = await recount(models, scaleOf, { period, surveyKey, unitCode });
      // A change that began during the recount may or may not be in it: leave the cell to a later tick.
      const known = new Set(marks.map((m) => m._id));
      if ((await marksOf(id)).some((m) => !known.has(m._id))) return;
      const want = expected.get(id);
      if (want) await raw.replaceOne({ _id: id }, rollupDocument(id, want) as never, { upsert: true });
      else await raw.deleteOne({ _id: id });
      await models.RollupJournal.deleteMany({ _id: mongoose.trusted({ $in: [...known] }) });
      cleared += marks.length;
    });
  }
  if (cells.size) rollupCache(models.Rollup).invalidate();
  return cleared;
}
