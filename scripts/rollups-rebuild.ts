/**
 * npm run rollups:rebuild [-- --check]
 * Recomputes the figure documents from the raw responses and reports how many differ from the incremental ones.
 * --check only compares (exit code 2 when something differs); without it the differences are repaired.
 */
import { loadConfig } from '../src/config';
import { openScriptDatabase } from '../src/embedded-db/script-database';
import { createLogger } from '../src/logger';
import { createModels } from '../src/models';
import { rebuildRollups } from '../src/rollups/rebuild';
import { SurveyCatalog } from '../src/surveys/survey-catalog';
import { runScript } from './run-script';

runScript(async () => {
  const check = process.argv.includes('--check');
  const config = loadConfig();
  const { db, close } = await openScriptDatabase(config, createLogger('error'));
  try {
    const models = createModels(db.connection);
    const report = await rebuildRollups(models, new SurveyCatalog(models.Survey).scaleOf, { fix: !check });
    console.log(`${report.responses} counted responses, ${report.figures} figure documents; ${report.differences.length} difference(s)${report.fixed ? ', repaired' : ''}`);
    for (const id of report.differences.slice(0, 20)) console.log(`  differs: ${id}`);
    return check && report.differences.length ? 2 : 0;
  } finally {
    await close();
  }
});
