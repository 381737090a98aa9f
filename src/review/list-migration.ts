import type { Models } from '../models';

/**
 * The marker that the responses stored before the list indexes are in them: set by the projector's one-time
 * recount (projector/migration.ts). The list pages say older answers may be missing while it is absent, and a
 * cluster decision then finds the cluster's answers by searching the responses instead of its member documents.
 */
export const LIST_INDEX_MIGRATION = 'list-indexes-v1';
const markerId = `migration:${LIST_INDEX_MIGRATION}`;

export async function listIndexesComplete(models: Models): Promise<boolean> {
  return Boolean(await models.Setting.exists({ _id: markerId }));
}

/**
 * The lists cut per second instead of per hour (list-keys.ts): once per database, the projector's recount of the
 * lists rewrites the hour buckets as second buckets (projector/migration.ts). Until it has run, an entry of an
 * older answer that changes is written to its second bucket while its hour bucket still holds it: it can be listed
 * twice for those minutes, never lost, and the recount leaves one.
 */
export const LIST_SECONDS_MIGRATION = 'list-buckets-by-second';
