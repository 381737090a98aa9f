import type { Connection } from 'mongoose';
import { bulkWriteInChunks } from '../data/bulk-chunks';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { rebuildRollups } from '../figures/rebuild';
import { createdDoc } from './apply-plan';
import { inboxCollection } from './inbox';
import { LISTS, planListChanges } from './list-changes';
import { PlanBuilder } from './plan';
import type { Projector } from './projector';
import { collectionNamed, type ById } from '../data/by-id';

/**
 * The projections recounted from the stored answers, the ground truth: the figure documents (figures/rebuild.ts)
 * and the comment and review lists with their counts. `npm run rollups:rebuild -- --check` reports every document
 * that differs; the fix rewrites them, under the projector's lease so that no batch runs meanwhile, and the
 * one-time migration of a database from before the projector runs the fix once. Answers the projector has not
 * taken in yet are left out of both: their inbox items will count them.
 */
export interface ProjectionReport {
  responses: number;
  figures: number;
  differences: string[];
  lists: { documents: number; differences: string[] };
  fixed: boolean;
}

type ScaleOf = (key: string, version: number) => Promise<number>;

/** `projector`: a fix holds its lease (`exclusive`), so no batch is applied meanwhile. */
export async function recountProjections(
  models: Models,
  scaleOf: ScaleOf,
  options: { fix: false; projector?: Projector } | { fix: true; projector: Projector },
): Promise<ProjectionReport> {
  const run = async (batch?: number) => {
    const skip = await notTakenIn(models.Response.db);
    const figures = await rebuildRollups(models, scaleOf, { fix: options.fix, batch, skip });
    const lists = await recountLists(models.Response.db, { fix: options.fix, batch, skip });
    return { ...figures, lists, fixed: options.fix && (figures.differences.length > 0 || lists.differences.length > 0) };
  };
  return options.fix ? options.projector.exclusive((applied) => run(applied)) : run();
}

/** Answers whose own inbox item still waits: stored, not taken in yet (read once; new answers are never in a recount). */
export async function notTakenIn(db: Connection): Promise<(r: ResponseDoc) => boolean> {
  const waiting = new Set(
    (
      await inboxCollection(db)
        .find({ kind: 'answer' }, { projection: { _id: 1 } })
        .toArray()
    ).map((item) => item._id),
  );
  return (r) => Boolean(r.intake && waiting.has(r.intake));
}

/** Every list document the stored answers add up to, by collection. */
async function expectedLists(db: Connection, skip: (r: ResponseDoc) => boolean): Promise<Map<string, Map<string, Record<string, unknown>>>> {
  const plan = new PlanBuilder();
  const responses = collectionNamed<ResponseDoc>(db, 'responses');
  // Only answers with a comment or a flag are listed at all.
  for await (const r of responses.find({ $or: [{ comment: { $exists: true } }, { 'flags.0': { $exists: true } }] })) {
    if (!skip(r)) planListChanges(plan, null, r);
  }
  const built = plan.build();
  const out = new Map<string, Map<string, Record<string, unknown>>>();
  for (const { collection } of LISTS) {
    const docs = new Map<string, Record<string, unknown>>();
    for (const [id, change] of Object.entries(built.docs[collection] ?? {})) docs.set(id, createdDoc(id, change, 0));
    out.set(collection, docs);
  }
  return out;
}

/** A list document's content for comparison: no batch number, no entry versions, no zero counts or empty maps. */
function normalised(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.map((v) => normalised(v, false));
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (top && (key === 'batch' || key === '_id')) continue;
    if (key === 'v' && !top) continue;
    const inner = normalised((value as Record<string, unknown>)[key], false);
    if (inner === 0 || inner === undefined) continue;
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Date) && !Object.keys(inner).length) continue;
    out[key] = inner;
  }
  return out;
}

/** New documents per insert command (FerretDB's limit on bulk updates, db-bulk.ts, does not apply to inserts). */
const INSERT_CHUNK = 500;

const same = (a: unknown, b: unknown) => JSON.stringify(normalised(a)) === JSON.stringify(normalised(b));

export async function recountLists(
  db: Connection,
  options: { fix: boolean; batch?: number; skip?: (r: ResponseDoc) => boolean },
): Promise<{ documents: number; differences: string[] }> {
  const expected = await expectedLists(db, options.skip ?? (await notTakenIn(db)));
  const differences: string[] = [];
  let documents = 0;
  for (const [collection, docs] of expected) {
    documents += docs.size;
    const stored = collectionNamed<ById & Record<string, unknown>>(db, collection);
    const seen = new Set<string>();
    const differ: string[] = [];
    for await (const doc of stored.find({})) {
      seen.add(doc._id);
      const want = docs.get(doc._id);
      // A document whose entries and counts all went is as good as none.
      if (!want ? JSON.stringify(normalised(doc)) !== '{}' : !same(doc, want)) differ.push(doc._id);
    }
    for (const id of docs.keys()) if (!seen.has(id)) differ.push(id);
    differences.push(...differ.map((id) => `${collection}:${id}`));
    if (options.fix && differ.length) {
      const batch = options.batch ?? 0;
      // Documents that do not exist yet are inserted, many per command: a replace with upsert is a read and a write
      // per document, and a recount from scratch (a seeded million answers) has over a million of them. The fix
      // runs under the projector's lease, so no batch creates one of them meanwhile.
      const missing = differ.filter((id) => !seen.has(id)).map((id) => ({ ...docs.get(id)!, _id: id, batch }));
      for (let i = 0; i < missing.length; i += INSERT_CHUNK) await stored.insertMany(missing.slice(i, i + INSERT_CHUNK), { ordered: false });
      const writes = differ
        .filter((id) => seen.has(id))
        .map((id) => {
          const want = docs.get(id);
          return want ? { replaceOne: { filter: { _id: id }, replacement: { ...want, batch }, upsert: true } } : { deleteOne: { filter: { _id: id } } };
        });
      await bulkWriteInChunks((chunk) => stored.bulkWrite(chunk, { ordered: false }), writes);
    }
  }
  return { documents, differences };
}
