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
