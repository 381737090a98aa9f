import type { Collection } from 'mongoose';
import { bulkWriteInChunks } from '../db-bulk';
import { counterLocks } from '../keyed-mutex';
import type { ResponseDoc } from './response.model';
import { rollupId, type Rollup, type RollupModel } from './rollup.model';
import { rollupCache } from '../stats/figure-caches';
import { applyIncrements } from '../stats/period-cache';

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

type Cell = Pick<ResponseDoc, 'period' | 'surveyKey' | 'unitCode'>;

/** Runs work with the lock of one rollup document held (see keyed-mutex.ts: FerretDB v1 loses concurrent `$inc`). */
const lockRollupCell = <T>(cell: Cell, work: () => Promise<T>): Promise<T> => counterLocks.run(rollupId(cell.period, cell.surveyKey, cell.unitCode), work);

/** Adds (or removes) one response to its rollup document. The caller holds the cell's lock. */
async function incrementRollup(Rollup: RollupModel, response: ResponseDoc, scale: number, sign: 1 | -1 = 1): Promise<void> {
  const { filter, update } = rollupUpdate(response, scale, sign);
  try {
    // The raw collection: `items.<key>.s<n>` are dynamic paths that mongoose casting has no business with.
    await rawRollups(Rollup).updateOne(filter, update, { upsert: true });
  } catch (error) {
    // A first write racing another instance to create the rollup: the loser retries as a plain increment.
    if ((error as { code?: number }).code !== 11000) throw error;
    await rawRollups(Rollup).updateOne(filter, update, { upsert: true });
  }
  // Write-through to the figures cache (see stats/period-cache.ts), inside the lock so the order matches the database.
  rollupCache(Rollup).update(response.kind, response.period, filter._id, (doc) =>
    applyIncrements(doc ?? ({ _id: filter._id, ...update.$setOnInsert, respondents: 0, items: {} } as unknown as Rollup), update.$inc),
  );
}

/** `incrementRollup` under the cell's lock. */
export const applyToRollup = (Rollup: RollupModel, response: ResponseDoc, scale: number, sign: 1 | -1 = 1): Promise<void> =>
  lockRollupCell(response, () => incrementRollup(Rollup, response, scale, sign));

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
    for (const [path, value] of Object.entries(next.update.$inc)) current.update.$inc[path] = (current.update.$inc[path] ?? 0) + value;
  }
  const operations = [...merged.values()].map(({ filter, update }) => ({ updateOne: { filter, update, upsert: true } }));
  await bulkWriteInChunks((chunk) => rawRollups(Rollup).bulkWrite(chunk, { ordered: false }), operations);
  rollupCache(Rollup).invalidate();
  return operations.length;
}
