/**
 * npm run rollups:rebuild [-- --check]
 * Recounts the projections (the figure documents, the comment and review lists and their counts) from the raw
 * responses and reports every document that differs from what the projector keeps (src/projector/recount.ts).
 * --check only compares (exit code 2 when something differs); without it the differences are repaired, under the
 * projector's lease, so it may run while the app serves.
 */
import { loadConfig } from '../src/config';
import { openScriptDatabase } from '../src/embedded-db/script-database';
import { createLogger } from '../src/logger';
import { createModels } from '../src/models';
import { recountProjections } from '../src/projector/recount';
import { SurveyCatalog } from '../src/surveys/survey-catalog';
import { runScript } from './run-script';
import { Projector } from '../src/projector/projector';

runScript(async () => {
  const check = process.argv.includes('--check');
  const config = loadConfig();
  const database = await openScriptDatabase(config, createLogger('error'));
  const { db } = database;
  try {
    const models = createModels(db.connection);
    // This process's own projector: a fix holds the lease that every instance's projector takes turns on.
    const projector = new Projector(db.connection);
    const report = await recountProjections(models, new SurveyCatalog(models.Survey).scaleOf, { fix: !check, projector }).finally(() => projector.close());
    const differences = [...report.differences, ...report.lists.differences];
    console.log(
      `${report.responses} counted responses, ${report.figures} figure documents, ${report.lists.documents} list documents; ${differences.length} difference(s)${report.fixed ? ', repaired' : ''}`,
    );
    for (const id of differences.slice(0, 20)) console.log(`  differs: ${id}`);
    return check && differences.length ? 2 : 0;
  } finally {
    await database.close();
  }
});
