import { SALT_PREFIX } from '../responses/address-hash';
import { loadSqlite, type SqliteDatabase } from './sqlite-snapshot';

/**
 * What a backup must not keep, removed from its copy of the database before it is packed (issue 25, items 4 and 5):
 * - the daily address salts. The live database destroys each after 2 days (address-hash.ts), but a backup kept
 *   longer kept them too, and with a salt an answer's address comes back by trying every IPv4 address (309,000 a
 *   second on one core). A restored database has none: the addresses of the day it was restored on are counted in
 *   clusters from then on only (a new salt), which the README states.
 * - the order in which dossier claims arrived. SQLite keeps rows in the order they were written, and the claims'
 *   order followed their answers'. The copy's claims are written again in the order of their ids (hashes).
 * Then the copy is vacuumed: deleted and rewritten rows leave their old bytes in free pages until then.
 */
export function scrubCopy(file: string): void {
  const sqlite = loadSqlite();
  // FerretDB's _id index is on `_ferretdb_sjson->"_id"`: a double-quoted string, which this SQLite reads as a
  // column name unless told otherwise (FerretDB's own SQLite allows them), and every write to the table evaluates it.
  const db = new sqlite.DatabaseSync(file, { enableDoubleQuotedStringLiterals: true });
  try {
    const tables = new Map(
      (db.prepare('SELECT name, table_name FROM _ferretdb_collections').all() as { name: string; table_name: string }[]).map((t) => [t.name, t.table_name]),
    );
    const settings = tables.get('settings');
    if (settings) {
      db.prepare(`DELETE FROM ${quoted(settings)} WHERE json_extract(_ferretdb_sjson, '$._id') >= ? AND json_extract(_ferretdb_sjson, '$._id') < ?`).run(
        SALT_PREFIX,
        `${SALT_PREFIX}\uffff`,
      );
    }
    const claims = tables.get('dossier_claims');
    if (claims) rewriteInIdOrder(db, claims);
    db.exec('VACUUM');
    // The copy is in WAL mode like its source: everything into the file itself before it is packed.
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

const quoted = (table: string) => `"${table.replace(/"/g, '""')}"`;

function rewriteInIdOrder(db: SqliteDatabase, table: string): void {
  db.exec('BEGIN');
  try {
    db.exec(`CREATE TEMP TABLE scrub_sorted AS SELECT _ferretdb_sjson AS doc FROM ${quoted(table)} ORDER BY json_extract(_ferretdb_sjson, '$._id')`);
    db.exec(`DELETE FROM ${quoted(table)}`);
    db.exec(`INSERT INTO ${quoted(table)} (_ferretdb_sjson) SELECT doc FROM scrub_sorted ORDER BY json_extract(doc, '$._id')`);
    db.exec('DROP TABLE scrub_sorted');
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
