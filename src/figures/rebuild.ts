import type { Collection, mongo } from 'mongoose';
import { bulkWriteInChunks } from '../data/bulk-chunks';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { applyPaths, flatten, sameCounters, type Increment } from './counters';
import { changeWrites, mergeWrite, type DocWrite } from './fan-out';
import { emptyFigureData, packFigures, unpackFigures, type FigureDoc } from './figure.model';
import { collectionOf, idIs } from '../data/by-id';

export interface RebuildReport {
  responses: number;
  figures: number;
  /** Figure document ids whose stored counts differ from the recount (missing, extra or different). */
  differences: string[];
  fixed: boolean;
}

type ScaleOf = (key: string, version: number) => Promise<number>;
type Expected = Map<string, DocWrite>;

function merge(into: Expected, writes: DocWrite[]): void {
  for (const write of writes) mergeWrite(into, write);
}

/** Every figure document that these responses add up to, summed in memory. */
export function expectedDocs(responses: Iterable<ResponseDoc>, scaleOfResponse: (r: ResponseDoc) => number, into: Expected = new Map()): Expected {
  for (const response of responses) merge(into, changeWrites([response], 1, scaleOfResponse(response)));
  return into;
}

/** Recounts every counted response (one pass over the collection) into figure documents. */
async function recount(models: Models, scaleOf: ScaleOf, skip: (r: ResponseDoc) => boolean) {
  const expected: Expected = new Map();
  let responses = 0;
  const scales = new Map<string, number>();
  const cursor = models.Response.find({ counted: true }).lean<ResponseDoc>().cursor({ batchSize: 1000 });
  for await (const response of cursor) {
    // Stored but not taken in by the projector yet: its inbox item will count it.
    if (skip(response)) continue;
    responses += 1;
    const key = `${response.surveyKey}@${response.surveyVersion}`;
    if (!scales.has(key)) scales.set(key, await scaleOf(response.surveyKey, response.surveyVersion));
    expectedDocs([response], () => scales.get(key)!, expected);
  }
  return { figures: expected, responses };
}

/** `surveys.<key>.scale`, also under `byLevel.<level>.`: a survey's scale, not a count. */
export const isScalePath = (path: string) => /(^|\.)surveys\.[^.]+\.scale$/.test(path);

/** A stored figure document's counters (without the survey scales). */
export function figureCounters(doc: FigureDoc): Increment {
  return Object.fromEntries(Object.entries(flatten(unpackFigures(doc))).filter(([path]) => !isScalePath(path)));
}

/** The stored (packed) figure document a recount describes. */
export function packedFigureOf(write: DocWrite, rev = 1): FigureDoc {
  const data = emptyFigureData();
  applyPaths(data, write.inc, write.set);
  return { _id: write.id, ...(write.setOnInsert as Pick<FigureDoc, 'period' | 'kind' | 'scope' | 'level'>), rev, data: packFigures(data) };
}

async function compare<T extends { _id: string }>(
  collection: Collection<T>,
  expected: Expected,
  countersOf: (doc: T) => Increment,
  documentFor: (write: DocWrite) => T,
  fix: boolean,
): Promise<string[]> {
  const differences: string[] = [];
  const seen = new Set<string>();
  for await (const doc of collection.find({})) {
    seen.add(doc._id);
    const want = expected.get(doc._id);
    if (!want ? Object.keys(countersOf(doc as T)).length > 0 : !sameCounters(countersOf(doc as T), want.inc)) differences.push(doc._id);
  }
  for (const id of expected.keys()) if (!seen.has(id)) differences.push(id);
  if (fix && differences.length) {
    // Whole-document replacements: repeating them (or two running at once) gives the same result.
    const writes = differences.map((id): mongo.AnyBulkWriteOperation<T> => {
      const want = expected.get(id);
      return want ? { replaceOne: { filter: idIs<T>(id), replacement: documentFor(want), upsert: true } } : { deleteOne: { filter: idIs<T>(id) } };
    });
    await bulkWriteInChunks((chunk) => collection.bulkWrite(chunk, { ordered: false }), writes);
  }
  return differences;
}

/**
 * Recomputes the figure documents from the raw responses and compares them with the ones kept by increments.
 * With `fix`, differing documents are rewritten and stray ones removed: only while no projector batch runs
 * (projector/recount.ts runs it under the projector's lease). `skip`: answers the projector has not taken in yet,
 * which their inbox items will count.
 */
export async function rebuildRollups(
  models: Models,
  scaleOf: ScaleOf,
  options: { fix: boolean; batch?: number; skip?: (r: ResponseDoc) => boolean },
): Promise<RebuildReport> {
  const { figures, responses } = await recount(models, scaleOf, options.skip ?? (() => false));
  // A rewritten figure document gets a new `rev` far from any in use, so no compare-and-set in flight can match it,
  // and the number of the last batch applied (src/projector/), so the next batches apply on top of it.
  const packed = (write: DocWrite): FigureDoc & { batch: number } => ({ ...packedFigureOf(write, Date.now()), batch: options.batch ?? 0 });
  const differences = await compare(collectionOf<FigureDoc>(models.Figure), figures, figureCounters, packed, options.fix);
  return { responses, figures: figures.size, differences, fixed: options.fix && differences.length > 0 };
}
