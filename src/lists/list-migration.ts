import type { Logger } from '../logger';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { runOnce } from '../settings.model';
import { BulkListIndexer } from './bulk-index';

/** The runOnce key; its marker setting also tells the pages whether older responses are listed yet. */
export const LIST_INDEX_MIGRATION = 'list-indexes-v1';
const markerId = `migration:${LIST_INDEX_MIGRATION}`;

/**
 * Builds the list indexes for the responses stored before they existed. One pass over the responses with a cursor
 * (on FerretDB the filter cannot use an index, so this reads the whole collection once: minutes at a million),
 * keeping only those with a comment or a flag, indexed a few thousand at a time: memory stays bounded. Idempotent:
 * entries are compare-and-set and each response is read again just before its entries are written, so running it
 * while answers arrive and admins work, or twice (two instances starting together), leaves the same index.
 */
export async function buildListIndexes(models: Models, options: { flushAt?: number } = {}): Promise<number> {
  const indexer = new BulkListIndexer(models.Response.db, { fresh: false, flushAt: options.flushAt });
  const cursor = models.Response.collection
    .find({ $or: [{ comment: { $exists: true } }, { 'flags.0': { $exists: true } }] } as never)
    .batchSize(1000);
  for await (const doc of cursor) await indexer.add([doc as unknown as ResponseDoc]);
  await indexer.flush();
  return indexer.indexed;
}

/** Once per database (runOnce); returns whether it ran now. */
export function migrateListIndexes(models: Models, options: { flushAt?: number } = {}): Promise<boolean> {
  return runOnce(models.Setting, LIST_INDEX_MIGRATION, async () => {
    await buildListIndexes(models, options);
  });
}

/** Whether the responses stored before the list indexes are in them (the pages say so while they are not). */
export async function listIndexesComplete(models: Models): Promise<boolean> {
  return Boolean(await models.Setting.exists({ _id: markerId }));
}

/**
 * Starts the migration in the background once the instance is ready: at a million responses its one pass takes
 * minutes on FerretDB, and the lists work meanwhile (they say older answers may be missing). A failure (the
 * database gone, a shutdown) leaves no marker, so the next start runs it again.
 */
export function startListIndexMigration(models: Models, logger: Logger): void {
  const started = Date.now();
  migrateListIndexes(models).then(
    (ran) => {
      if (ran) logger.info({ ms: Date.now() - started }, 'list indexes built for the responses stored before them');
    },
    (error: unknown) => logger.warn({ err: error }, 'building the list indexes failed; it runs again at the next start'),
  );
}
