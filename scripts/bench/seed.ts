import type { Collection } from 'mongoose';
import type { Models } from '../../src/models';
import { linkViewId } from '../../src/responses/side-records.model';
import type { ResponseDoc } from '../../src/responses/response.model';
import { flatten } from '../../src/figures/counters';
import { mergeWrite, type DocWrite } from '../../src/figures/fan-out';
import { unpackFigures, viewTotalId, type FigureDoc } from '../../src/figures/figure.model';
import { expectedDocs, figureCounters, isScalePath, packedFigureOf } from '../../src/figures/rebuild';
import { syntheticResponses, type SyntheticTarget } from '../../src/seed/synthetic-responses';
import { recountLists } from '../../src/projector/recount';
import { isDuplicateKey } from '../../src/data/write-once';

/** Seed of the bench's synthetic responses (ids "~<day>~syn-<seed>-<n>", so growing 10k -> 100k adds 10000..99999). */
export const BENCH_SEED = 60601;
const BATCH = 1000;
const WRITE_CHUNK = 1000;

type Doc = { _id: string } & Record<string, unknown>;
type Writes = Map<string, DocWrite>;

export interface GrowResult {
  inserted: number;
  figures: number;
  views: number;
  ms: number;
}

const add = mergeWrite;

/** A stored document as the write that would create it (its counters, fixed fields and set fields). */
const parseFigure = (doc: Doc): DocWrite => {
  const { _id, period, kind, scope, level } = doc;
  const data = unpackFigures(doc as unknown as FigureDoc);
  const set = Object.fromEntries(Object.entries(flatten(data as unknown as Record<string, unknown>)).filter(([path]) => isScalePath(path)));
  return { id: _id, inc: figureCounters(doc as unknown as FigureDoc), set, setOnInsert: { period, kind, scope, level } };
};
const parseCount = (doc: Doc): DocWrite => {
  const { _id, views, ...fixed } = doc;
  return { id: _id, inc: { views: Number(views ?? 0) }, set: {}, setOnInsert: fixed };
};

/** A counter document (link views, view totals) as the write describes it. */
const plainDocument = (write: DocWrite): Doc => ({ _id: write.id, ...write.setOnInsert, ...write.inc });

/**
 * Rewrites a whole collection as stored + increments. Equivalent to one `$inc` upsert per increment, but as a
 * delete and plain inserts, which FerretDB v1 takes far faster than thousands of updates to existing documents.
 */
async function rewriteWithIncrements(
  raw: Collection<Doc>,
  increments: Writes,
  parse: (doc: Doc) => DocWrite,
  build: (write: DocWrite) => Doc = plainDocument,
): Promise<number> {
  const merged: Writes = new Map();
  for (const doc of await raw.find({}).toArray()) add(merged, parse(doc));
  for (const write of increments.values()) add(merged, write);
  await raw.deleteMany({});
  const docs = [...merged.values()].map(build);
  for (let i = 0; i < docs.length; i += WRITE_CHUNK) {
    // A view recorded by the running app between the delete and this insert loses only that view count.
    await raw.insertMany(docs.slice(i, i + WRITE_CHUNK), { ordered: false }).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
  }
  return docs.length;
}

/**
 * Adds synthetic responses number `from`..`to - 1` (the demo generator, over the bench province's links, across
 * the 12 months ending with `lastPeriod`): the responses themselves are inserted; their figure documents are the product's own fan-out (rollups/fan-out.ts) summed in memory and written as whole documents;
 * form views are recorded as ViewCounter.record would (per link and month, and per scope and month), 1.25 views per
 * response (an 80 % response rate).
 */
export async function growResponses(
  models: Models,
  targets: SyntheticTarget[],
  options: { from: number; to: number; lastPeriod: string; onProgress?: (done: number) => void },
): Promise<GrowResult> {
  const started = Date.now();
  const scales = new Map(targets.map((t) => [t.survey.key, t.survey.definition.scale]));
  const responses = models.Response.collection as unknown as Collection<Doc>;
  const expected: Writes = new Map();
  const views: Writes = new Map();
  const totals: Writes = new Map();
  let inserted = 0;
  for (let from = options.from; from < options.to; from += BATCH) {
    const batch: ResponseDoc[] = syntheticResponses(targets, { from, to: Math.min(options.to, from + BATCH) }, options.lastPeriod, BENCH_SEED);
    await responses.insertMany(batch as unknown as Doc[], { ordered: false }).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
    expectedDocs(
      batch.filter((r) => r.counted),
      (r) => scales.get(r.surveyKey)!,
      expected,
    );
    batch.forEach((response, i) => {
      const count = (from + i) % 4 === 0 ? 2 : 1;
      const fixed = { linkCode: response.linkCode, unitCode: response.unitCode, period: response.period };
      add(views, { id: linkViewId(response.linkCode, response.period), inc: { views: count }, set: {}, setOnInsert: fixed });
      for (const scope of [response.unitCode, ...response.unitAncestors])
        add(totals, { id: viewTotalId(response.period, scope), inc: { views: count }, set: {}, setOnInsert: {} });
    });
    inserted += batch.length;
    options.onProgress?.(inserted);
  }
  // The comment and review lists (src/review/) recounted from the stored answers, as the projector's rebuild does.
  await recountLists(models.Response.db, { fix: true });
  const raw = (model: { collection: unknown }) => model.collection as Collection<Doc>;
  const figureCount = await rewriteWithIncrements(raw(models.Figure), expected, parseFigure, (w) => packedFigureOf(w) as unknown as Doc);
  const viewCount = await rewriteWithIncrements(raw(models.LinkView), views, parseCount);
  await rewriteWithIncrements(raw(models.ViewTotal), totals, parseCount);
  return { inserted, figures: figureCount, views: viewCount, ms: Date.now() - started };
}
