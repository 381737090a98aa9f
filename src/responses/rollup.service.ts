import type { Collection } from 'mongoose';
import { bulkWriteInChunks } from '../db-bulk';
import { upsertRetryingDuplicate } from '../db-writes';
import { bumpCells, bumpReset, monthStampId, stampModel } from '../stamps';
import type { ResponseDoc } from './response.model';
import { rollupId, type RollupModel } from './rollup.model';

/** The `$inc` a counted response contributes to its rollup document (sign -1 removes it again). */
export function rollupIncrement(response: Pick<ResponseDoc, 'answers'>, sign: 1 | -1 = 1): Record<string, number> {
  const inc: Record<string, number> = { respondents: sign };
  for (const [key, score] of Object.entries(response.answers)) inc[`items.${key}.s${score}`] = sign;
  return inc;
}

// Rollup ids are strings, not ObjectIds; the driver's default typing assumes the latter.
const rawRollups = (Rollup: RollupModel) => Rollup.collection as unknown as Collection<{ _id: string }>;

/** The upsert that adds (or removes) one response to its rollup document, created on first use. */
export function rollupUpdate(response: ResponseDoc, scale: number, sign: 1 | -1 = 1) {
  return {
    filter: { _id: rollupId(response.period, response.surveyKey, response.unitCode) },
    update: {
      $inc: rollupIncrement(response, sign),
      $setOnInsert: {
        period: response.period,
        surveyKey: response.surveyKey,
        kind: response.kind,
        channel: response.channel,
        scale,
        unitCode: response.unitCode,
        unitAncestors: response.unitAncestors,
        ...(response.level ? { level: response.level } : {}),
        ...(response.district ? { district: response.district } : {}),
      },
    },
  };
}

/** The change stamp of one month of rollups of one kind (see stamps.ts). */
export const rollupStampId = (kind: string, period: string) => monthStampId('rollups', kind, period);

/** Adds `inc` into `into`, path by path (increments of several responses to one rollup document). */
export function addIncrements(into: Record<string, number>, inc: Record<string, number>): void {
  for (const [path, value] of Object.entries(inc)) into[path] = (into[path] ?? 0) + value;
}

/**
 * Adds (or removes) the responses of one rollup document with a single upsert, then records the change in the
 * month's stamp so that every instance's figures see it. `$inc` is atomic per document on MongoDB and on our
 * patched FerretDB, so concurrent submissions from any number of instances need no lock. `rev` counts the changes
 * of the document: a repair rewrites a document only if no change landed while it recounted (rollup-rebuild.ts).
 * A whole cluster decided at once (counted-change.ts) costs one increment per cell instead of one per answer.
 */
export async function applyCellToRollup(Rollup: RollupModel, responses: ResponseDoc[], scale: number, sign: 1 | -1): Promise<void> {
  if (responses.length === 0) return;
  const { filter, update } = rollupUpdate(responses[0]!, scale, sign);
  for (const response of responses.slice(1)) addIncrements(update.$inc, rollupIncrement(response, sign));
  // The raw collection: `items.<key>.s<n>` are dynamic paths that mongoose casting has no business with.
  await upsertRetryingDuplicate(() => rawRollups(Rollup).updateOne(filter, { ...update, $inc: { ...update.$inc, rev: 1 } }, { upsert: true }));
  await bumpCells(stampModel(Rollup.db), rollupStampId(responses[0]!.kind, responses[0]!.period), [filter._id]);
}

/** Adds (or removes) one response to its rollup document. */
export const applyToRollup = (Rollup: RollupModel, response: ResponseDoc, scale: number, sign: 1 | -1 = 1): Promise<void> =>
  applyCellToRollup(Rollup, [response], scale, sign);

/**
 * Adds many responses at once (seeding, rebuilding): increments are summed per rollup document in memory and
 * written with one upsert per document instead of one per response.
 */
export async function applyManyToRollups(Rollup: RollupModel, responses: ResponseDoc[], scaleOf: (r: ResponseDoc) => number): Promise<number> {
  const merged = new Map<string, ReturnType<typeof rollupUpdate>>();
  for (const response of responses) {
    const next = rollupUpdate(response, scaleOf(response));
    const current = merged.get(next.filter._id);
    if (!current) {
      merged.set(next.filter._id, next);
      continue;
    }
    addIncrements(current.update.$inc, next.update.$inc);
  }
  const operations = [...merged.values()].map(({ filter, update }) => ({ updateOne: { filter, update: { ...update, $inc: { ...update.$inc, rev: 1 } }, upsert: true } }));
  await bulkWriteInChunks((chunk) => rawRollups(Rollup).bulkWrite(chunk, { ordered: false }), operations);
  const months = new Set([...merged.values()].map(({ update }) => rollupStampId(update.$setOnInsert.kind, update.$setOnInsert.period)));
  for (const stampId of months) await bumpReset(stampModel(Rollup.db), stampId);
  return operations.length;
}
