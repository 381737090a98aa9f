/**
 * npm run dossiers:import -- FILE
 * Imports TTHC dossiers exported by the one-stop system (CSV or XLSX), all or nothing, upserted by the hash of
 * their code; prints one line per row error (row numbers as in the file).
 */
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { importDossiers } from '../src/dossiers/dossier-import';
import { openScriptDatabase } from '../src/embedded-db/script-database';
import { createLogger } from '../src/logger';
import { createModels } from '../src/models';
import { saltProvider } from '../src/settings.salt';
import { runScript } from './run-script';
import { Projector } from '../src/projector/projector';

runScript(async () => {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npm run dossiers:import -- FILE (.csv or .xlsx)');
  const bytes = fs.readFileSync(file);
  const config = loadConfig();
  const database = await openScriptDatabase(config, createLogger('error'));
  const { db } = database;
  try {
    const models = createModels(db.connection);
    await models.Dossier.init();
    let shown = 0;
    const projector = new Projector(db.connection); // the recount after the import holds its lease
    const result = await importDossiers(models, projector, await saltProvider(models.Setting)(), bytes, new Date(), (written, total) => {
      // A progress line every tenth of a large file.
      if (total >= 5000 && written - shown >= total / 10) {
        shown = written;
        console.log(`${written} / ${total}`);
      }
    });
    if (result.errors.length > 0) {
      for (const error of result.errors) console.error(`row ${error.row}${error.field ? ` (${error.field})` : ''}: ${error.message}`);
      console.error(`Nothing imported: ${result.errors.length} error(s) / Không nhập hồ sơ nào: ${result.errors.length} lỗi.`);
      return 1;
    }
    console.log(
      `${result.rows} dossier(s): ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged / ${result.rows} hồ sơ: ${result.inserted} mới, ${result.updated} cập nhật, ${result.unchanged} không đổi.`,
    );
    return 0;
  } finally {
    await database.close();
  }
});
