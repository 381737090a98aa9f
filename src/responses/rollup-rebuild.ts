import mongoose, { type Collection } from 'mongoose';
import type { Models } from '../models';
import { bulkWriteInChunks } from '../db-bulk';
import { insertOnce } from '../db-writes';
import { bumpCells, stampModel } from '../stamps';
import type { ResponseDoc } from './response.model';
import type { Rollup } from './rollup.model';
import type { RollupJournalEntry } from './rollup-journal';
import { addIncrements, rollupStampId, rollupUpdate } from './rollup.service';

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
    addIncrements(current.inc, update.$inc);
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
    const revOf = new Map(stored.map((r) => [r._id, r.rev ?? 0]));
    const writes = differences.map((id) => {
      const want = expected.get(id);
      return want
        ? { replaceOne: { filter: { _id: id }, replacement: { ...rollupDocument(id, want), rev: (revOf.get(id) ?? 0) + 1 }, upsert: true } }
        : { deleteOne: { filter: { _id: id } } };
    });
    await bulkWriteInChunks((chunk) => raw.bulkWrite(chunk as never, { ordered: false }), writes);
    const kindOf = new Map(stored.map((r) => [r._id, r.kind]));
    for (const id of differences) {
      const kind = (expected.get(id)?.setOnInsert.kind as string | undefined) ?? kindOf.get(id)!;
      await bumpCells(stampModel(models.Rollup.db), rollupStampId(kind, id.split('|')[0]!), [id]);
    }
  }
  return { responses, rollups: expected.size, differences, fixed: options.fix && differences.length > 0 };
}

/**
 * Finishes rollup changes that never completed: the process died (or the database dropped) between marking a
 * change in the rollup journal and clearing the mark, so whether its increment landed is unknown. Instead of
 * guessing, each affected rollup cell (period, survey, unit) is recounted from its raw responses and rewritten,
 * then its marks are cleared. It holds no lock, so any number of instances may run it at once:
 * - a live change has a mark younger than `graceMs` from before its response insert until after its increment,
 *   so a cell is recounted only while all its marks are old, checked before and after the recount;
 * - the rewrite is conditional on the document's `rev` read before the recount: an increment that landed
 *   meanwhile (from any instance) makes it match nothing, and the cell waits for a later tick. An increment
 *   still to come belongs to a change whose mark the second check saw, or whose response came after the recount.
 * `npm run rollups:rebuild` remains the full check. Returns the number of marks cleared.
 */
export async function repairPendingRollups(models: Models, scaleOf: ScaleOf, now: Date, graceMs = 60_000): Promise<number> {
  const isOld = (entry: RollupJournalEntry) => now.getTime() - entry.at.getTime() >= graceMs;
  const cells = new Set((await models.RollupJournal.find().limit(5000).lean<RollupJournalEntry[]>()).filter(isOld).map((e) => e.rollupId));
  let cleared = 0;
  for (const id of cells) cleared += await repairCell(models, scaleOf, id, isOld);
  return cleared;
}

async function repairCell(models: Models, scaleOf: ScaleOf, id: string, isOld: (entry: RollupJournalEntry) => boolean): Promise<number> {
  const raw = models.Rollup.collection as unknown as Collection<Rollup>;
  const marksOf = () => models.RollupJournal.find({ rollupId: id }).lean<RollupJournalEntry[]>();
  const marks = await marksOf();
  if (!marks.length || !marks.every(isOld)) return 0;
  const { period, surveyKey, unitCode } = marks[0]!;
  const before = await raw.findOne({ _id: id });
  const { expected } = await recount(models, scaleOf, { period, surveyKey, unitCode });
  // A change that began during the recount may or may not be in it: leave the cell to a later tick.
  const known = new Set(marks.map((m) => m._id));
  if ((await marksOf()).some((m) => !known.has(m._id))) return 0;

  const want = expected.get(id);
  const unchanged = before ? { _id: id, rev: before.rev ?? { $exists: false } } : null;
  const rev = (before?.rev ?? 0) + 1;
  let written: boolean;
  if (unchanged && want) written = (await raw.replaceOne(unchanged as never, { ...rollupDocument(id, want), rev } as never)).matchedCount === 1;
  else if (unchanged) written = (await raw.deleteOne(unchanged as never)).deletedCount === 1;
  else if (want) written = await insertOnce(() => raw.insertOne({ ...rollupDocument(id, want), rev } as never));
  else written = true;
  if (!written) return 0;

  const kind = (want?.setOnInsert.kind as string | undefined) ?? before?.kind;
  if (kind) await bumpCells(stampModel(models.Rollup.db), rollupStampId(kind, period), [id]);
  await models.RollupJournal.deleteMany({ _id: mongoose.trusted({ $in: [...known] }) });
  return marks.length;
}
