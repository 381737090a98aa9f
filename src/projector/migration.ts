import type { Logger } from '../logger';
import { LIST_INDEX_MIGRATION, LIST_SECONDS_MIGRATION } from '../review/list-migration';
import type { Models } from '../models';
import { rebuildRollups } from '../figures/rebuild';
import { runOnce } from '../settings.model';
import { collectionNamed, collectionOf } from '../data/by-id';
import type { Projector } from './projector';
import { notTakenIn, recountLists } from './recount';
import { BLANKS_MIGRATION, fillSkipped } from './blanks-migration';
import { SurveyCatalog } from '../surveys/survey-catalog';

export const PROJECTOR_MIGRATION = 'projector-v1';
const OLD_JOURNAL = 'rollup_changes';
/** The figure documents recounted once so that they hold each unit's rated answers (`ratedUnits`). */
export const RATED_UNITS_MIGRATION = 'figures-rated-units';

type ScaleOf = (key: string, version: number) => Promise<number>;

/**
 * Once per database written before the projector (and at a new database's first start, where it finds nothing):
 * the derived documents are recounted from the stored answers under the projector's lease, then batches apply on
 * top of them. What it replaces could leave the lists one off after a crash (and a database from before the list
 * indexes has no lists at all); the figures are recounted only when the old change journal still holds changes
 * cut off by a crash, which nothing finishes any more. Then the old journal goes and the lists are complete
 * (`list-indexes-v1`: the pages stop saying older answers may be missing). Figures from before `ratedUnits` are
 * recounted once (`figures-rated-units`), and answers from before `skipped` once more after it is filled in
 * (`figures-blanks`). Projection waits meanwhile: minutes at
 * a million answers on the embedded database, once. Idempotent: two instances starting together recount twice.
 */
export async function migrateToProjector(models: Models, scaleOf: ScaleOf, projector: Projector): Promise<boolean> {
  const db = models.Response.db;
  let figuresRecounted = false;
  const ran = await runOnce(models.Setting, PROJECTOR_MIGRATION, async () => {
    const cutOff = await collectionNamed(db, OLD_JOURNAL).countDocuments();
    figuresRecounted = cutOff > 0;
    await projector.exclusive(async (applied) => {
      const skip = await notTakenIn(db);
      if (cutOff) await rebuildRollups(models, scaleOf, { fix: true, batch: applied, skip });
      await recountLists(db, { fix: true, batch: applied, skip });
    });
    if (cutOff) await collectionNamed(db, OLD_JOURNAL).deleteMany({});
  });
  await runOnce(models.Setting, LIST_INDEX_MIGRATION, () => Promise.resolve());
  // A database the recount above just wrote has its lists cut per second already; an older one is recounted again.
  const recut = await runOnce(models.Setting, LIST_SECONDS_MIGRATION, async () => {
    if (ran) return;
    await projector.exclusive(async (applied) => {
      await recountLists(db, { fix: true, batch: applied, skip: await notTakenIn(db) });
    });
  });
  // Figure documents from before `ratedUnits` (counters.ts) hide the satisfaction of rated dossiers until recounted.
  const rated = await runOnce(models.Setting, RATED_UNITS_MIGRATION, async () => {
    if (figuresRecounted || !(await collectionOf(models.Response).findOne({}, { projection: { _id: 1 } }))) return;
    await projector.exclusive(async (applied) => {
      await rebuildRollups(models, scaleOf, { fix: true, batch: applied, skip: await notTakenIn(db) });
    });
  });
  // Answers from before `skipped` have their blanks filled in, then the figures are recounted with blanks per unit;
  // until then their atoms publish no question breakdown (stats/disclosure.ts). The filling runs beside projection
  // (it writes a field batches never read back as changed); only the recount holds the lease.
  const blanks = await runOnce(models.Setting, BLANKS_MIGRATION, async () => {
    if (!(await fillSkipped(models, new SurveyCatalog(models.Survey)))) return;
    await projector.exclusive(async (applied) => {
      await rebuildRollups(models, scaleOf, { fix: true, batch: applied, skip: await notTakenIn(db) });
    });
  });
  return ran || recut || rated || blanks;
}

/** In the background once the instance is ready; a failure leaves no marker, so the next start runs it again. */
export function startProjectorMigration(models: Models, scaleOf: ScaleOf, projector: Projector, logger: Logger): void {
  const started = Date.now();
  migrateToProjector(models, scaleOf, projector).then(
    (ran) => {
      if (ran) logger.info({ ms: Date.now() - started }, 'projector: derived documents recounted from the stored answers');
    },
    (error: unknown) => {
      logger.warn({ err: error }, 'projector: the one-time recount failed; it runs again at the next start');
    },
  );
}
