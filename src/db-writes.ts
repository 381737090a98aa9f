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
