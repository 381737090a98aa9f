import type { Collection } from 'mongoose';
import type { Models } from '../models';
import { bulkWriteInChunks } from '../db-bulk';
import type { ResponseDoc } from './response.model';
import type { Rollup } from './rollup.model';
import { rollupUpdate } from './rollup.service';

export interface RebuildReport {
  responses: number;
  rollups: number;
  /** Rollup ids whose stored counts differ from the recount (missing, extra or different). */
  differences: string[];
  fixed: boolean;
}

type Expected = Map<string, { inc: Record<string, number>; setOnInsert: Record<string, unknown> }>;

/** Recounts every counted response into the rollup shape, in memory (one entry per period, survey and unit). */
async function recount(models: Models, scaleOf: (key: string, version: number) => Promise<number>): Promise<{ expected: Expected; responses: number }> {
  const expected: Expected = new Map();
  let responses = 0;
  const cursor = models.Response.find({ counted: true }).lean<ResponseDoc>().cursor({ batchSize: 1000 });
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
    await raw.deleteMany({ _id: { $in: differences } });
    const inserts = differences.flatMap((id) => {
      const want = expected.get(id);
      return want ? [{ updateOne: { filter: { _id: id }, update: { $inc: want.inc, $setOnInsert: want.setOnInsert }, upsert: true } }] : [];
    });
    await bulkWriteInChunks((chunk) => raw.bulkWrite(chunk, { ordered: false }), inserts);
  }
  return { responses, rollups: expected.size, differences, fixed: options.fix && differences.length > 0 };
}
