/**
 * npm run restore -- FILE
 * Restores a backup made by `npm run backup` into DATA_DIR, which must hold no database and must not be in use
 * (stop the app first). Every file is checked before any is moved into place.
 */
import path from 'node:path';
import { restoreEmbedded } from '../src/backup/embedded-backup';
import { loadConfig } from '../src/config';
import { runScript } from './run-script';

runScript(async () => {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!file) {
    console.error('usage: npm run restore -- FILE   (into DATA_DIR, which must be empty and not in use)');
    return 2;
  }
  const config = loadConfig();
  if (config.MONGODB_URI) {
    console.error('MONGODB_URI is set: restore MongoDB with mongorestore --uri "$MONGODB_URI" --archive=FILE --gzip (docs/deployment.md).');
    return 2;
  }
  const manifest = await restoreEmbedded(path.resolve(file), config.dataDir);
  for (const db of manifest.databases)
    console.log(
      `${db.name}: ${db.collections.responses ?? 0} responses, ${Object.keys(db.collections).length} collections restored (backup of ${manifest.createdAt})`,
    );
  console.log(`restored into ${config.dataDir}; start the app with npm start`);
  return 0;
});
