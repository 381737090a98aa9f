/**
 * npm run units:import -- FILE.csv
 * Imports the unit hierarchy all or nothing; prints one line per row error (row numbers as in the file).
 */
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { openScriptDatabase } from '../src/embedded-db/script-database';
import { createLogger } from '../src/logger';
import { unitModel } from '../src/units/unit.model';
import { importUnits } from '../src/units/unit-import';
import { runScript } from './run-script';

runScript(async () => {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npm run units:import -- FILE.csv');
  const text = fs.readFileSync(file, 'utf8');
  const config = loadConfig();
  const { db, close } = await openScriptDatabase(config, createLogger('error'));
  try {
    const Unit = unitModel(db.connection);
    await Unit.init();
    const result = await importUnits(Unit, text);
    if (result.errors.length > 0) {
      for (const error of result.errors) console.error(`row ${error.row}${error.field ? ` (${error.field})` : ''}: ${error.message}`);
      console.error(`Nothing imported: ${result.errors.length} error(s) / Không nhập đơn vị nào: ${result.errors.length} lỗi.`);
      return 1;
    }
    console.log(`Imported ${result.imported} unit(s) / Đã nhập ${result.imported} đơn vị.`);
    return 0;
  } finally {
    await close();
  }
});
