import type { Collection, Connection, mongo } from 'mongoose';

/**
 * The by-`_id` reads and deletes every derived collection is kept with. Only `_id` conditions reach FerretDB's
 * SQLite index (any other filter decodes the whole collection), so these are the hot paths' only reads.
 */

/** Ids per `$in`: FerretDB builds one SQL condition of them; a thousand keeps each command well under its limits. */
export const IDS_PER_COMMAND = 1000;

/** Documents kept by `_id`: every collection this code writes through the driver has string ids. */
export interface ById {
  _id: string;
}

/**
 * The driver's collection `name`, typed by what this code stores in it. Mongoose types a model's `collection` as
 * holding any document with an ObjectId `_id`; code that writes the driver's commands itself (counters, packed
 * figures, inserts that must not be cast) names the stored shape here instead of casting at each use.
 */
export const collectionNamed = <T extends ById>(db: Connection, name: string): Collection<T> => db.collection<T>(name);

/** The driver's collection behind a mongoose model, typed as `collectionNamed` is. */
export const collectionOf = <T extends ById>(model: { db: Connection; collection: { collectionName: string } }): Collection<T> =>
  model.db.collection<T>(model.collection.collectionName);

/** The filter of one id, for code generic over the stored shape (a generic `T` hides from the driver that `_id` is a string). */
export const idIs = <T extends ById>(id: string) => ({ _id: id }) as mongo.Filter<T>;

/** The filter of one chunk of ids, as `idIs`. */
export const idsIn = <T extends ById>(ids: readonly string[]) => ({ _id: { $in: [...ids] } }) as mongo.Filter<T>;

/** Reads the documents with these ids, IDS_PER_COMMAND per command; absent ids are simply not in the map. */
export async function readByIds<T extends ById>(
  collection: Collection<T>,
  ids: readonly string[],
  projection?: Record<string, 0 | 1>,
): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for (let i = 0; i < ids.length; i += IDS_PER_COMMAND) {
    const docs = await collection.find(idsIn<T>(ids.slice(i, i + IDS_PER_COMMAND)), projection ? { projection } : {}).toArray();
    for (const doc of docs) found.set(doc._id, doc as T);
  }
  return found;
}

/** Of the documents `found`, those with these ids, in the order the ids are given (each once; absent ones left out). */
export const inOrder = <T>(found: ReadonlyMap<string, T>, ids: readonly string[]): T[] =>
  [...new Set(ids)].flatMap((id) => (found.has(id) ? [found.get(id)!] : []));

/** The documents with these ids, in the order the ids are given (absent ones left out). */
export async function listByIds<T extends ById>(collection: Collection<T>, ids: readonly string[], projection?: Record<string, 0 | 1>): Promise<T[]> {
  return inOrder(await readByIds(collection, ids, projection), ids);
}

/** Which of these ids exist (reads `_id` only). */
export async function existingIds<T extends ById>(collection: Collection<T>, ids: readonly string[]): Promise<Set<string>> {
  return new Set((await readByIds(collection, ids, { _id: 1 })).keys());
}

/** Deletes the documents with these ids, IDS_PER_COMMAND per command. */
export async function deleteByIds<T extends ById>(collection: Collection<T>, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += IDS_PER_COMMAND) await collection.deleteMany(idsIn<T>(ids.slice(i, i + IDS_PER_COMMAND)));
}
