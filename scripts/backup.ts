/**
 * npm run backup -- --out FILE
 * Writes a consistent backup of the embedded database (DATA_DIR) while the app runs: a .tar.gz of one SQLite
 * snapshot per database and a manifest (src/backup/embedded-backup.ts). With MONGODB_URI set, use MongoDB's own
 * tools instead (it says which).
 */
import path from 'node:path';
import { backupEmbedded } from '../src/backup/embedded-backup';
import { loadConfig } from '../src/config';
import { runScript } from './run-script';

runScript(async () => {
  const at = process.argv.indexOf('--out');
  const out = at === -1 ? undefined : process.argv[at + 1];
  if (!out) {
    console.error('usage: npm run backup -- --out FILE   (e.g. --out backups/hailong-$(date +%F).tar.gz)');
    return 2;
  }
  const config = loadConfig();
  if (config.MONGODB_URI) {
    console.error(
      'MONGODB_URI is set: back up MongoDB with its own tools, e.g.\n  mongodump --uri "$MONGODB_URI" --archive=FILE --gzip\nand restore with mongorestore --uri ... --archive=FILE --gzip (docs/deployment.md).',
    );
    return 2;
  }
  const started = Date.now();
  const manifest = await backupEmbedded(config.dataDir, path.resolve(out));
  for (const db of manifest.databases) {
    const rows = Object.values(db.collections).reduce((sum, n) => sum + n, 0);
    console.log(
      `${db.name}: ${Object.keys(db.collections).length} collections, ${rows} documents (${db.collections.responses ?? 0} responses), ${(db.bytes / 1e6).toFixed(1)} MB`,
    );
  }
  console.log(`backup written to ${path.resolve(out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
});
