/**
 * Consistent copies of the embedded database's SQLite files, through Node.js's own SQLite (`node:sqlite`, Node.js
 * 22.16 or newer: production's Node 24 has it; `npm run backup` picks such a runtime itself, see
 * scripts/sqlite-node.cjs). FerretDB keeps one SQLite file per MongoDB database, in WAL mode: SQLite's online
 * backup, copying every page in one step, reads one snapshot while FerretDB goes on writing.
 */
interface Statement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number | bigint };
}
export interface SqliteDatabase {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
}
interface SqliteModule {
  DatabaseSync: new (file: string, options?: { readOnly?: boolean; enableDoubleQuotedStringLiterals?: boolean }) => SqliteDatabase;
  backup(source: SqliteDatabase, destination: string, options?: { rate?: number }): Promise<number>;
}

export function loadSqlite(): SqliteModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:sqlite') as SqliteModule;
  } catch {
    throw new Error(
      `backup and restore need Node.js 22.16 or newer (node:sqlite); this is ${process.version}. "npm run backup" and "npm run restore" pick one themselves.`,
    );
  }
}

/** Rows per collection, from FerretDB's catalogue table: what a restore checks it got back. */
export type CollectionCounts = Record<string, number>;

function countCollections(db: SqliteDatabase): CollectionCounts {
  const tables = db.prepare('SELECT name, table_name FROM _ferretdb_collections ORDER BY name').all() as { name: string; table_name: string }[];
  const counts: CollectionCounts = {};
  for (const { name, table_name } of tables) {
    // A count may come back as a bigint from other SQLite bindings: its number, whatever the binding.
    counts[name] = Number((db.prepare(`SELECT count(*) AS n FROM "${table_name.replace(/"/g, '""')}"`).get() as { n: number | bigint }).n);
  }
  return counts;
}

/** Copies `source` (live, in use by FerretDB) to `destination` as one consistent snapshot; returns its counts. */
export async function snapshotDatabase(source: string, destination: string): Promise<CollectionCounts> {
  const sqlite = loadSqlite();
  const db = new sqlite.DatabaseSync(source, { readOnly: true });
  try {
    // All pages in one step: one read transaction, so the copy is one moment of the database (writers go on in
    // the WAL meanwhile). A copy made in several steps starts over each time another process writes.
    await sqlite.backup(db, destination, { rate: 2 ** 31 - 1 });
  } finally {
    db.close();
  }
  return checkDatabase(destination);
}

/** Checks a copied file (SQLite's integrity check) and counts its collections; throws when it is damaged. */
export function checkDatabase(file: string): CollectionCounts {
  const sqlite = loadSqlite();
  const db = new sqlite.DatabaseSync(file, { readOnly: true });
  try {
    const result = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    if (result.length !== 1 || result[0]!.integrity_check !== 'ok')
      throw new Error(`${file} failed SQLite's integrity check: ${result.map((r) => r.integrity_check).join('; ')}`);
    return countCollections(db);
  } finally {
    db.close();
  }
}
