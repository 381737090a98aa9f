import { hourOf, isClustered, parseClusterKey } from './review-clusters';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { responseIdOf } from './list-entries';
import { listCollection, REVIEW_COLLECTION } from './list-keys';
import { memberDocIds } from './review-entries';

/**
 * The answers of one cluster, decided or not, from its member documents (review-entries.ts): 16 reads by `_id`
 * and the responses by `_id`, where searching the responses by link and address reads the whole collection on
 * FerretDB. Complete once the list index migration has run (list-migration.ts).
 */
export async function indexedClusterMembers(models: Models, key: string): Promise<ResponseDoc[]> {
  const parsed = parseClusterKey(key);
  if (!parsed) return [];
  const coll = listCollection(models.Response.db, REVIEW_COLLECTION);
  const docs = await coll.find({ _id: { $in: memberDocIds(key) } }).toArray();
  const ids = docs.flatMap((d) => Object.keys(d.e ?? {}).map(responseIdOf));
  const members: ResponseDoc[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    members.push(...((await models.Response.collection.find({ _id: { $in: ids.slice(i, i + 1000) } } as never).toArray()) as unknown as ResponseDoc[]));
  }
  return members.filter(
    (r) => isClustered(r) && hourOf(r.submittedAt) === parsed.hour && r.linkCode === parsed.linkCode && r.addressHash === parsed.addressHash,
  );
}
