import type { Collection } from 'mongoose';
import type { Models } from '../../src/models';
import { linkViewId } from '../../src/responses/side-records.model';
import type { ResponseDoc } from '../../src/responses/response.model';
import { rollupUpdate } from '../../src/responses/rollup.service';
import { syntheticResponses, type SyntheticTarget } from '../../src/seed/synthetic-responses';

/** Seed of the bench's synthetic responses (ids "syn-<seed>-<n>", so growing 10k -> 100k adds 10000..99999). */
export const BENCH_SEED = 60601;
const BATCH = 1000;
const WRITE_CHUNK = 1000;

type Doc = { _id: string } & Record<string, unknown>;
type Counters = Map<string, { fixed: Record<string, unknown>; counts: Record<string, number> }>;

export interface GrowResult {
  inserted: number;
  rollups: number;
  views: number;
  ms: number;
}

function add(into: Counters, id: string, fixed: Record<string, unknown>, counts: Record<string, number>): void {
  const entry = into.get(id) ?? { fixed, counts: {} };
  for (const [path, n] of Object.entries(counts)) entry.counts[path] = (entry.counts[path] ?? 0) + n;
  into.set(id, entry);
}

/** A rollup document exactly as the `$inc`/`$setOnInsert` upserts leave it: respondents and items.<q>.s<n>. */
function rollupDocument(id: string, fixed: Record<string, unknown>, counts: Record<string, number>): Doc {
  const items: Record<string, Record<string, number>> = {};
  for (const [path, n] of Object.entries(counts)) {
    if (path === 'respondents') continue;
    const [, item, score] = path.split('.');
    (items[item!] ??= {})[score!] = n;
  }
  return { _id: id, ...fixed, respondents: counts.respondents ?? 0, items };
}

/** The counters of a stored rollup in the `$inc` path form ("respondents", "items.<q>.s<n>"). */
function storedCounts(doc: Doc): { fixed: Record<string, unknown>; counts: Record<string, number> } {
  const { _id, respondents, items, ...fixed } = doc;
  const counts: Record<string, number> = { respondents: Number(respondents ?? 0) };
  for (const [item, scores] of Object.entries((items ?? {}) as Record<string, Record<string, number>>)) {
    for (const [score, n] of Object.entries(scores)) counts[`items.${item}.${score}`] = n;
  }
  return { fixed, counts };
}

/**
 * Rewrites a whole collection as stored + increments. Equivalent to one `$inc` upsert per increment, but as a
 * delete and plain inserts, which FerretDB v1 takes far faster than thousands of updates to existing documents.
 */
async function rewriteWithIncrements(raw: Collection<Doc>, increments: Counters, build: (id: string, fixed: Record<string, unknown>, counts: Record<string, number>) => Doc, parse: (doc: Doc) => { fixed: Record<string, unknown>; counts: Record<string, number> }): Promise<number> {
  const merged: Counters = new Map();
  for (const doc of await raw.find({}).toArray()) {
    const { fixed, counts } = parse(doc);
    add(merged, doc._id, fixed, counts);
  }
  for (const [id, { fixed, counts }] of increments) add(merged, id, fixed, counts);
  await raw.deleteMany({});
  const docs = [...merged.entries()].map(([id, { fixed, counts }]) => build(id, fixed, counts));
  for (let i = 0; i < docs.length; i += WRITE_CHUNK) {
    // A view recorded by the running app between the delete and this insert loses only that view count.
    await raw.insertMany(docs.slice(i, i + WRITE_CHUNK), { ordered: false }).catch((error: { code?: number }) => {
      if (error.code !== 11000) throw error;
    });
  }
  return docs.length;
}

/**
 * Adds synthetic responses number `from`..`to - 1` (the demo generator, over the bench province's links, across
 * the 12 months ending with `lastPeriod`): the responses themselves are inserted; their rollups are the product's
 * own `rollupUpdate` increments summed in memory and written as whole documents; form views are recorded as
 * recordView would (one document per link and month), 1.25 views per response (an 80 % response rate).
 */
export async function growResponses(
  models: Models,
  targets: SyntheticTarget[],
  options: { from: number; to: number; lastPeriod: string; onProgress?: (done: number) => void },
): Promise<GrowResult> {
  const started = Date.now();
  const scales = new Map(targets.map((t) => [t.survey.key, t.survey.definition.scale]));
  const responses = models.Response.collection as unknown as Collection<Doc>;
  const rollups: Counters = new Map();
  const views: Counters = new Map();
  let inserted = 0;
  for (let from = options.from; from < options.to; from += BATCH) {
    const batch: ResponseDoc[] = syntheticResponses(targets, { from, to: Math.min(options.to, from + BATCH) }, options.lastPeriod, BENCH_SEED);
    await responses.insertMany(batch as unknown as Doc[], { ordered: false }).catch((error: { code?: number }) => {
      if (error.code !== 11000) throw error;
    });
    batch.forEach((response, i) => {
      const { filter, update } = rollupUpdate(response, scales.get(response.surveyKey)!);
      add(rollups, filter._id, update.$setOnInsert, update.$inc);
      const fixed = { linkCode: response.linkCode, unitCode: response.unitCode, period: response.period };
      add(views, linkViewId(response.linkCode, response.period), fixed, { views: (from + i) % 4 === 0 ? 2 : 1 });
    });
    inserted += batch.length;
    options.onProgress?.(inserted);
  }
  const rollupCount = await rewriteWithIncrements(models.Rollup.collection as unknown as Collection<Doc>, rollups, rollupDocument, storedCounts);
  const viewCount = await rewriteWithIncrements(
    models.LinkView.collection as unknown as Collection<Doc>,
    views,
    (id, fixed, counts) => ({ _id: id, ...fixed, views: counts.views ?? 0 }),
    ({ _id, views: n, ...fixed }) => ({ fixed, counts: { views: Number(n ?? 0) } }),
  );
  return { inserted, rollups: rollupCount, views: viewCount, ms: Date.now() - started };
}
