/**
 * npm run units:import -- FILE.csv
 * Imports the unit hierarchy all or nothing; prints one line per row error (row numbers as in the file). When units
 * moved or merged, the answers below them are then moved to today's tree (src/reorganisation/rechain.ts) before it exits.
 */
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { openScriptDatabase } from '../src/embedded-db/script-database';
import { createLogger } from '../src/logger';
import { createModels } from '../src/models';
import { runRechain } from '../src/reorganisation/rechain';
import { requestRechain } from '../src/units/rechain-state';
import { importUnits } from '../src/units/unit-import';
import { runScript } from './run-script';
import { Projector } from '../src/projector/projector';

runScript(async () => {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npm run units:import -- FILE.csv');
  const text = fs.readFileSync(file, 'utf8');
  const config = loadConfig();
  const database = await openScriptDatabase(config, createLogger('error'));
  const { db } = database;
  try {
    const models = createModels(db.connection);
    await models.Unit.init();
    const result = await importUnits(models.Unit, text);
    if (result.errors.length > 0) {
      for (const error of result.errors) console.error(`row ${error.row}${error.field ? ` (${error.field})` : ''}: ${error.message}`);
      console.error(`Nothing imported: ${result.errors.length} error(s) / Không nhập đơn vị nào: ${result.errors.length} lỗi.`);
      return 1;
    }
    console.log(`Imported ${result.imported} unit(s) / Đã nhập ${result.imported} đơn vị.`);
    if (result.moved) {
      console.log(`${result.moved} unit(s) moved: moving their answers to today's tree / ${result.moved} đơn vị đổi vị trí: đang tính lại số liệu…`);
      await requestRechain(models);
      const ran = await runRechain(models, new Projector(db.connection));
      console.log(ran ? 'Figures follow the new tree / Số liệu đã theo cây đơn vị mới.' : 'A running server is moving them / Máy chủ đang tính lại số liệu.');
    }
    return 0;
  } finally {
    await database.close();
  }
});
