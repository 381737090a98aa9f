/**
 * npm run seed -- --demo [--responses N]
 * Idempotent demo data (see src/seed/demo-seed.ts). N defaults to 3000; progress is shown as a bar.
 */
import { loadConfig } from '../src/config';
import { openScriptDatabase } from '../src/embedded-db/script-database';
import { createLogger } from '../src/logger';
import { createModels } from '../src/models';
import { seedDemo } from '../src/seed/demo-seed';
import { runScript } from './run-script';
import { Projector } from '../src/projector/projector';

function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  process.stdout.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} responses`);
  if (done >= total) process.stdout.write('\n');
}

runScript(async () => {
  const args = process.argv.slice(2);
  if (!args.includes('--demo')) throw new Error('usage: npm run seed -- --demo [--responses N]');
  const at = args.indexOf('--responses');
  const responses = at === -1 ? 3000 : Number(args[at + 1]);
  if (!Number.isInteger(responses) || responses < 0) throw new Error('--responses must be a whole number ≥ 0');
  const config = loadConfig();
  const database = await openScriptDatabase(config, createLogger('error'));
  const { db } = database;
  try {
    const projector = new Projector(db.connection); // takes the seeded answers into figures and lists
    const result = await seedDemo(createModels(db.connection), { responses, now: new Date(), projector, onProgress: progressBar });
    console.log(
      `Demo data: ${result.units} units, ${result.linksCreated} new links, ${result.responsesAdded} new synthetic responses, ${result.dossiersAdded} new dossiers.`,
    );
    return 0;
  } finally {
    await database.close();
  }
});
