import type { Connection } from 'mongoose';
import { bulkRefusals } from '../data/write-once';
import { inboxCollection, newItemId, type AnswerItem } from '../projector/inbox';
import type { ResponseDoc } from '../responses/response.model';
import { collectionNamed } from '../data/by-id';

/**
 * Stores many answers that need no check at the door (the demo seed's synthetic answers, imports of answers made
 * elsewhere) the way one answer is stored: first their inbox items, then the answers naming them, so the
 * projector takes each in exactly once. An answer already stored (a seed run again after a crash) keeps its own
 * item; the new one is dropped. Returns how many answers this call stored.
 */
export async function storeAnswers(db: Connection, responses: readonly ResponseDoc[], at: Date): Promise<number> {
  if (!responses.length) return 0;
  const items: AnswerItem[] = responses.map((r) => ({ _id: newItemId(), kind: 'answer', at, responseId: r._id }));
  await inboxCollection(db).insertMany(items, { ordered: false });
  const docs = responses.map((r, i) => ({ ...r, intake: items[i]!._id }));
  const refused = await bulkRefusals(() => collectionNamed<ResponseDoc>(db, 'responses').insertMany(docs, { ordered: false }));
  return docs.length - refused.length;
}
