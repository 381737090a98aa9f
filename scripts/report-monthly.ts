/**
 * npm run report:monthly -- --period YYYY-MM [--dry-run] [--to ADDRESS] [--force]
 * The same function the schedule runs. --to sends a preview of the province-wide summary to that address only
 * (not recorded); --dry-run composes and prints subjects without sending; --force sends a sent period again.
 */
import { loadConfig } from '../src/config';
import { openScriptDatabase } from '../src/embedded-db/script-database';
import { createLogger } from '../src/logger';
import { createModels, ensureIndexes } from '../src/models';
import { PERIOD_PATTERN } from '../src/responses/period';
import { createMailer } from '../src/mail/mailer';
import { runMonthlyReport } from '../src/reports/monthly-run';
import { SurveyCatalog } from '../src/surveys/survey-catalog';
import { runScript } from './run-script';
import { Projector } from '../src/projector/projector';

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

runScript(async () => {
  const args = process.argv.slice(2);
  const period = option(args, '--period');
  if (!period || !PERIOD_PATTERN.test(period)) throw new Error('usage: npm run report:monthly -- --period YYYY-MM [--dry-run] [--to ADDRESS] [--force]');
  const to = option(args, '--to');
  if (args.includes('--to') && (!to || !/^[^\s@]+@[^\s@]+$/.test(to))) throw new Error('--to needs an e-mail address');
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openScriptDatabase(config, createLogger('error'));
  const { db } = database;
  try {
    const models = createModels(db.connection);
    await ensureIndexes(models);
    const deps = {
      models,
      catalog: new SurveyCatalog(models.Survey),
      projector: new Projector(db.connection), // nothing of this process's own to wait for
      mailer: createMailer(config.SMTP_URL, logger),
      logger,
      mailFrom: config.MAIL_FROM,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      smallCellK: config.SMALL_CELL_K,
    };
    const result = await runMonthlyReport(deps, { period, to, dryRun: args.includes('--dry-run'), force: args.includes('--force') }, new Date());
    for (const subject of result.subjects) console.log(subject);
    console.log(
      `period ${result.period}: queued ${result.queued}, sent ${result.sent}, retrying ${result.retrying}, failed ${result.failed}, already sent ${result.skippedAlreadySent}`,
    );
    return result.failed > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
});
