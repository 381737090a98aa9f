import path from 'node:path';
import type { Server } from 'node:http';
import { answerMalformedRequests } from './http/client-errors';
import { memoryLimitStores, redisLimitStores } from './http/rate-limit-store';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createDatabase, watchConnection } from './db';
import { startFerretDb, type EmbeddedDatabase } from './embedded-db/ferretdb';
import { clearRunningState, writeRunningState } from './embedded-db/running-state';
import { createLogger, type Logger } from './logger';
import { createModels, ensureIndexes, type Models } from './models';
import { FIGURE_MIGRATION, LEAF_RETIREMENT, migrateToFigureDocs, retireLeafRollups } from './figures/migrate-figures';
import { RETENTION_INTERVAL_MS, runRetention } from './retention';
import { forgetClaimResponseIds, forgetClaimTimes } from './responses/dossier-claim';
import { runOnce } from './settings.model';
import { recountIfBehind, recountUntilStable } from './dossiers/dossier-import';
import type { Projector } from './projector/projector';
import { createInstance } from './instance';
import { startProjectorMigration } from './projector/migration';
import { startRechain } from './reorganisation/rechain';
import { seedDemo } from './seed/demo-seed';
import { ensureFirstAdmin } from './access/bootstrap-admin';
import { createMailer } from './mail/mailer';
import { startReportSchedule } from './reports/schedule';
import { seedTargets } from './stats/target.model';
import { QUESTION_BANK } from './surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from './surveys/survey-catalog';

/** How long readiness answers 503 before the listener closes, so a load balancer can stop routing to us. */
const DRAIN_GRACE_MS = 1000;
/** After this, open connections are cut so the process always exits within 10 s. */
const FORCE_CLOSE_MS = 8000;

function readConfig(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.LOG_LEVEL);

  let embedded: EmbeddedDatabase | undefined;
  let uri = config.MONGODB_URI;
  if (!uri) {
    embedded = await startFerretDb({ dataDir: path.join(config.dataDir, 'ferretdb') });
    uri = embedded.uri;
    writeRunningState(embedded.dataDir, { pid: process.pid, uri });
    logger.info({ uri, dataDir: embedded.dataDir }, 'embedded FerretDB started');
  }

  const db = createDatabase(uri, logger);
  // Registered now (no I/O): the shutdown below flushes view counts through them, whenever the signal arrives.
  const models = createModels(db.connection);
  // This instance's projector, answer inserts and view counts (instance.ts): the app's and the shutdown's.
  const instance = createInstance(db.connection, logger);
  const mailer = createMailer(config.SMTP_URL, logger);
  let shuttingDown = false;
  // Readiness stays 503 until prepareDatabase has finished: listening and a connected driver are not enough (the
  // first administrator is created last, after the demo seed, so a sign-in before that failed with 401).
  let prepared = false;
  let stopSchedule = () => {};
  let stopProjecting = () => {};
  let stopWatching = () => {};
  const readiness = { isPrepared: () => prepared, isReady: () => db.isReady(), isShuttingDown: () => shuttingDown };
  const limits = config.RATE_LIMIT_REDIS_URL ? await redisLimitStores(config.RATE_LIMIT_REDIS_URL, logger) : memoryLimitStores;
  const app = createApp({ config, logger, db, mailer, readiness, limits, instance });
  const server = await listen(app, config.PORT);
  logger.info({ port: config.PORT, url: config.PUBLIC_BASE_URL }, 'listening');

  const opening = new AbortController();
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    opening.abort();
    stopSchedule();
    stopWatching();
    logger.info({ signal }, 'shutting down: readiness is now 503, draining requests');
    setTimeout(() => {
      server.closeAllConnections();
    }, FORCE_CLOSE_MS).unref();
    await new Promise((resolve) => setTimeout(resolve, DRAIN_GRACE_MS));
    await closeServer(server);
    // The batch under way ends and the lease goes, so another instance takes over at once instead of after it expires.
    stopProjecting();
    await instance.projector.close().catch((error: unknown) => {
      logger.warn({ err: error }, 'the projector did not stop cleanly');
    });
    // Form views are buffered for a few seconds (view-counter.ts): write them before the connection goes.
    await instance.views.flush().catch((error: unknown) => {
      logger.warn({ err: error }, 'writing the last view counts failed');
    });
    await db.close().catch((error: unknown) => {
      logger.warn({ err: error }, 'closing the database connection failed');
    });
    await limits.close();
    if (embedded) {
      await embedded.stop();
      clearRunningState(embedded.dataDir);
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await db.open({ retryMs: 2000, signal: opening.signal }).catch((error: unknown) => {
    if (!shuttingDown) throw error;
  });
  if (shuttingDown) return;
  // A SIGTERM during the first start's seeding closes the connection under it: let the shutdown finish (and stop
  // the embedded database) instead of exiting at once as a failed start-up.
  await prepareDatabase({ config, logger, models, projector: instance.projector, embedded: Boolean(embedded) }).catch((error: unknown) => {
    if (!shuttingDown) throw error;
  });
  if (shuttingDown) return;
  prepared = true;
  logger.info('database prepared: ready');
  stopWatching = watchConnection(db, uri, logger);
  stopProjecting = startProjecting(models, instance.projector, logger);
  startRetention(models, instance.projector, logger);
  if (config.REPORT_SCHEDULE && !shuttingDown) {
    const schedule = startReportSchedule(
      {
        models,
        catalog: new SurveyCatalog(models.Survey),
        projector: instance.projector,
        mailer,
        logger,
        mailFrom: config.MAIL_FROM,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        smallCellK: config.SMALL_CELL_K,
      },
      config.REPORT_CRON,
      () => new Date(),
    );
    stopSchedule = () => {
      schedule.stop();
    };
    await schedule.catchUp().catch((error: unknown) => {
      logger.error({ err: error }, 'monthly catch-up failed');
    });
  }
}

/**
 * Once connected: indexes (the unique ones carry exactly-once guarantees), the question bank published (an edited
 * instrument becomes a new version), figure documents of older versions migrated, and demo data in an empty
 * embedded database so a newcomer sees a living product.
 */
async function prepareDatabase(deps: { config: Readonly<Config>; logger: Logger; models: Models; projector: Projector; embedded: boolean }): Promise<void> {
  const { config, logger, models } = deps;
  const now = new Date();
  await ensureIndexes(models);
  // Privacy: dossier claims written before dossier-claim.ts named their response in clear; they no longer do. Once
  // per database: the filter is not by `_id`, so on FerretDB it reads every claim, which need not happen at each start.
  await runOnce(models.Setting, 'dossier-claims-without-response-id', async () => {
    const forgotten = await forgetClaimResponseIds(models.DossierClaim);
    if (forgotten) logger.info({ forgotten }, 'dossier claims: response ids removed');
  });
  await runOnce(models.Setting, 'dossier-claims-without-time', async () => {
    const forgotten = await forgetClaimTimes(models.DossierClaim);
    if (forgotten) logger.info({ forgotten }, 'dossier claims: times removed');
  });
  const published = await publishQuestionBank(models.Survey, QUESTION_BANK, now);
  if (published.length) logger.info({ published }, 'question bank: new survey versions published');
  const { scaleOf } = new SurveyCatalog(models.Survey);
  await runOnce(models.Setting, FIGURE_MIGRATION, async () => {
    const migrated = await migrateToFigureDocs(models, scaleOf);
    if (migrated.figures || migrated.views) logger.info(migrated, 'figure documents built from the stored rollups and views');
  });
  await runOnce(models.Setting, LEAF_RETIREMENT, () => retireLeafRollups(models));
  // Dossier figures recounted before they carried procedures, channels and the late list: once, so the dossiers
  // page has its breakdowns without waiting for the next import. Through the imports' own recount, so an import
  // running on another instance meanwhile is never overwritten by this one's older read.
  await runOnce(models.Setting, 'dossier-figures-with-breakdowns', () => recountUntilStable(models, deps.projector));
  // The same once more for the one-stop shares' counts (issue #28: online, paid online, digitised, complaints).
  await runOnce(models.Setting, 'dossier-figures-with-one-stop-shares', () => recountUntilStable(models, deps.projector));
  // An import cut off by a crash (its rows stored, its recount not finished) is recounted now.
  await recountIfBehind(models, deps.projector);
  await seedTargets(models.Target);
  if (deps.embedded && config.DB_SEED_DEMO && (await models.Unit.estimatedDocumentCount()) === 0) {
    logger.info('empty embedded database: seeding demo data (a province, links, 3000 synthetic responses, a year of dossiers)');
    const result = await seedDemo(models, { responses: 3000, now, projector: deps.projector });
    logger.info(result, 'demo data seeded');
  }
  const root = await models.Unit.findOne({ type: 'department' }).lean();
  await ensureFirstAdmin(
    models,
    {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
      rootUnitCode: root?.code ?? 'SGD',
      logger,
      print: (line) => {
        console.log(line);
      },
    },
    now,
  );
}

/**
 * The projector of this instance (src/projector/): its own answers and admin changes nudge it; this tick takes over
 * work that has waited (TAKEOVER_MS: an instance that died, once its lease expires) and a batch a crash left open. Also the one-time
 * recount of a database from before the projector. Returns what stops the tick.
 */
function startProjecting(models: Models, projector: Projector, logger: Logger): () => void {
  startProjectorMigration(models, new SurveyCatalog(models.Survey).scaleOf, projector, logger);
  const tick = setInterval(() => {
    projector.needsTakeover().then(
      (work) => {
        if (work) projector.nudge();
      },
      () => undefined, // the database is away: the next tick looks again
    );
  }, 1000);
  tick.unref();
  projector.nudge();
  return () => {
    clearInterval(tick);
  };
}

/** Deletes what is past its retention now and every hour after (retention.ts: idempotent, safe on every instance at once). */
function startRetention(models: Models, projector: Projector, logger: Logger): void {
  const sweep = () =>
    runRetention(models, new Date())
      .then((deleted) => {
        if (Object.values(deleted).some((n) => n > 0)) logger.info({ deleted }, 'retention: expired records deleted');
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'retention sweep failed');
      })
      // Answers not yet moved to today's unit tree (an import whose instance stopped mid-way): logs its own failure.
      .then(() => startRechain(models, projector, logger));
  void sweep();
  setInterval(() => void sweep(), RETENTION_INTERVAL_MS).unref();
}

function listen(app: ReturnType<typeof createApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = answerMalformedRequests(
      app.listen(port, (error?: Error) => {
        if (error) reject(error);
        else resolve(server);
      }),
    );
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

main().catch((error: unknown) => {
  console.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
