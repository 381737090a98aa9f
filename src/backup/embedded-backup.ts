import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readRunningState } from '../embedded-db/running-state';
import { readTarGz, writeTarGz } from './tar';
import { scrubCopy } from './scrub-copy';
import { checkDatabase, snapshotDatabase, type CollectionCounts } from './sqlite-snapshot';

/**
 * Backup and restore of the embedded database (DATA_DIR/ferretdb): a .tar.gz holding `manifest.json` and one
 * consistent SQLite snapshot per database (`sqlite/<database>.sqlite`), without what no copy may keep
 * (scrub-copy.ts). Taken while the app runs; restored
 * only into a data folder that holds no database and that no FerretDB serves.
 */
export const BACKUP_FORMAT = 'hailong-embedded-backup/1';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  databases: { name: string; file: string; bytes: number; sha256: string; collections: CollectionCounts }[];
}

const sqliteDirOf = (dataDir: string) => path.join(dataDir, 'ferretdb', 'sqlite');
const databaseFiles = (dir: string) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.sqlite'))
        .sort()
    : [];

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes a backup of DATA_DIR's embedded database to `out`. The snapshots wait in a folder beside `out`. */
export async function backupEmbedded(dataDir: string, out: string, clock: () => Date = () => new Date()): Promise<BackupManifest> {
  const sqliteDir = sqliteDirOf(dataDir);
  const files = databaseFiles(sqliteDir);
  if (!files.length) throw new Error(`no embedded database in ${sqliteDir} (is DATA_DIR right?)`);
  const work = await fs.promises.mkdtemp(path.join(path.dirname(path.resolve(out)), '.hailong-backup-'));
  try {
    const manifest: BackupManifest = { format: BACKUP_FORMAT, createdAt: clock().toISOString(), databases: [] };
    for (const file of files) {
      const copy = path.join(work, file);
      await snapshotDatabase(path.join(sqliteDir, file), copy);
      scrubCopy(copy);
      const collections = checkDatabase(copy);
      manifest.databases.push({
        name: file.replace(/\.sqlite$/, ''),
        file: `sqlite/${file}`,
        bytes: (await fs.promises.stat(copy)).size,
        sha256: await sha256Of(copy),
        collections,
      });
    }
    await writeTarGz(out, [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) },
      ...files.map((file) => ({ name: `sqlite/${file}`, file: path.join(work, file) })),
    ]);
    return manifest;
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

/**
 * Restores a backup into DATA_DIR. Refuses a data folder that already holds a database or that a running
 * FerretDB serves; checks every file (checksum, SQLite integrity, rows per collection) before it moves any into
 * place, so a damaged backup leaves the folder as it was.
 */
export async function restoreEmbedded(file: string, dataDir: string): Promise<BackupManifest> {
  const ferretDir = path.join(dataDir, 'ferretdb');
  const sqliteDir = sqliteDirOf(dataDir);
  if (readRunningState(ferretDir)) throw new Error(`the app is running on ${dataDir}: stop it first (restore goes into a stopped, empty data folder)`);
  const present = fs.existsSync(sqliteDir) ? fs.readdirSync(sqliteDir).filter((f) => /\.sqlite(-wal|-shm|-journal)?$/.test(f)) : [];
  if (present.length) throw new Error(`${sqliteDir} already holds a database (${present.join(', ')}): restore goes into an empty data folder`);
  if (!fs.existsSync(file)) throw new Error(`no backup file at ${file}`);
  await fs.promises.mkdir(ferretDir, { recursive: true });
  const work = await fs.promises.mkdtemp(path.join(ferretDir, '.restore-'));
  try {
    const names = await readTarGz(file, work);
    if (!names.includes('manifest.json')) throw new Error(`${file} is not a Hài Lòng backup (no manifest.json)`);
    const manifest = JSON.parse(await fs.promises.readFile(path.join(work, 'manifest.json'), 'utf8')) as BackupManifest;
    if (manifest.format !== BACKUP_FORMAT) throw new Error(`${file} is a backup of another format (${String(manifest.format)})`);
    for (const db of manifest.databases) {
      const copy = path.join(work, db.file);
      if (!names.includes(db.file) || !/^sqlite\/[^/]+\.sqlite$/.test(db.file)) throw new Error(`the backup lacks ${db.file}`);
      if ((await sha256Of(copy)) !== db.sha256) throw new Error(`${db.file} in the backup is damaged (checksum differs)`);
      const counts = checkDatabase(copy);
      if (JSON.stringify(counts) !== JSON.stringify(db.collections)) throw new Error(`${db.file} does not hold what the manifest says`);
    }
    await fs.promises.mkdir(sqliteDir, { recursive: true });
    for (const db of manifest.databases) await fs.promises.rename(path.join(work, db.file), path.join(sqliteDir, path.basename(db.file)));
    return manifest;
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}
