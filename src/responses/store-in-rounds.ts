import type { Collection } from 'mongoose';
import { insertOnce, isDuplicateKey } from '../db-writes';
import { Rounds } from '../rounds';
import type { ResponseDoc, ResponseModel } from './response.model';

type Pending = { doc: ResponseDoc; inserted?: boolean };
const rounds = new WeakMap<ResponseModel, Rounds<Pending>>();

/**
 * Inserts a counted response, together with the others being stored at the same moment (one insert command per
 * round, rounds.ts): under a burst of answers the database takes one write for many. True when this call stored
 * it, false when the `_id` was taken before (a replay or a double click). When the round's insert is refused for any
 * of its documents, each is tried alone; one found already stored counts as ours only if it holds our change id
 * (`changes`, unique per attempt), so a replay never passes for the attempt that stored it.
 */
export async function storeCountedInRounds(Response: ResponseModel, doc: ResponseDoc): Promise<boolean> {
  const collection = Response.collection as unknown as Collection<ResponseDoc>;
  let queue = rounds.get(Response);
  if (!queue) {
    queue = new Rounds<Pending>(async (items) => {
      try {
        await collection.insertMany(
          items.map((item) => item.doc),
          { ordered: false },
        );
        for (const item of items) item.inserted = true;
      } catch (error) {
        if (!isDuplicateKey(error) && !(error as { writeErrors?: unknown }).writeErrors) throw error;
        for (const item of items) {
          if (await insertOnce(() => collection.insertOne(item.doc))) item.inserted = true;
          else {
            const stored = await collection.findOne({ _id: item.doc._id }, { projection: { changes: 1 } });
            item.inserted = Boolean(stored?.changes?.some((id) => item.doc.changes?.includes(id)));
          }
        }
      }
      return [];
    });
    rounds.set(Response, queue);
  }
  const item: Pending = { doc };
  await queue.push(item);
  return item.inserted === true;
}
