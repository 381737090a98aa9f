import type { Collection, mongo } from 'mongoose';
import { idIs, type ById } from './by-id';

/**
 * The two write idioms that exactly-once behaviour rests on, in one place.
 * - Insert once: a unique `_id` decides who was first; the others get a duplicate-key error (code 11000).
 * - Upsert with `$inc`: MongoDB may refuse one of two racing upserts of a new `_id` with a duplicate key (the
 *   other created the document); the retry then finds it and applies as a plain update. FerretDB with our patch
 *   (docs/ferretdb-patch.md) serialises them and never refuses, so the retry costs nothing there.
 */
export const isDuplicateKey = (error: unknown): boolean => (error as { code?: number } | null)?.code === 11000;

/** Runs `insert`; true if it inserted, false if the `_id` (or another unique key) was already taken. */
export async function insertOnce(insert: () => Promise<unknown>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** Runs an upsert, once more if it lost a race to create the document. */
export async function upsertRetryingDuplicate<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return upsert();
  }
}

/**
 * Runs a bulk write unordered and returns the indexes of the operations refused with a duplicate key (any other
 * error throws): the caller decides what a refusal means (a lost race to create, or "applied before").
 */
export async function bulkRefusals(write: () => Promise<unknown>): Promise<number[]> {
  try {
    await write();
    return [];
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { index: number; code?: number }[] | { index: number; code?: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (!list.length || !list.every((e) => isDuplicateKey(e))) throw error;
    return list.map((e) => e.index);
  }
}

/** Upserts in one bulk write; the ones that lost a race to create their document run once more. */
export async function bulkUpsertRetryingDuplicates<Op>(write: (operations: Op[]) => Promise<unknown>, operations: Op[]): Promise<void> {
  const refused = await bulkRefusals(() => write(operations));
  if (refused.length) await write(refused.map((i) => operations[i]!));
}

/**
 * Adds to counters of the document `id`, creating it (with `created` set on it) when missing: one atomic `$inc`
 * upsert by `_id`, retried once when it loses a race to create the document. Counters any instance may bump at
 * once (change stamps, form views, requests for a pass, import generations) are kept this way, never read-modify-write.
 */
export async function incrementById<T extends ById>(
  collection: Collection<T>,
  id: string,
  inc: Readonly<Record<string, number>>,
  created?: Readonly<Record<string, unknown>>,
): Promise<void> {
  const update = { $inc: inc, ...(created ? { $setOnInsert: created } : {}) } as mongo.UpdateFilter<T>;
  await upsertRetryingDuplicate(() => collection.updateOne(idIs<T>(id), update, { upsert: true }));
}
