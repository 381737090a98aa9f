import { hourOf, isClustered, parseClusterKey } from './review-clusters';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { responseIdOf } from './list-entries';
import { listCollection, REVIEW_COLLECTION } from './list-keys';
import { memberDocIds } from './review-entries';
import { collectionOf, listByIds } from '../data/by-id';

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
  const members = await listByIds(collectionOf<ResponseDoc>(models.Response), ids);
  return members.filter(
    (r) => isClustered(r) && hourOf(r.submittedAt) === parsed.hour && r.linkCode === parsed.linkCode && r.addressHash === parsed.addressHash,
  );
}
