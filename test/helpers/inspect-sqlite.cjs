'use strict';
/**
 * node scripts/sqlite-node.cjs test/helpers/inspect-sqlite.cjs FILE
 * Prints, as JSON, what a backup's SQLite copy holds that matters for privacy (backup-restore.test.ts): the address
 * salts, the dossier claims' ids in the order of their rows, and the file's free pages. Plain JavaScript: it runs
 * under whichever Node.js has node:sqlite, outside jest.
 */
const { DatabaseSync } = require('node:sqlite');

const db = new DatabaseSync(process.argv[2], { readOnly: true });
const tables = new Map(db.prepare('SELECT name, table_name FROM _ferretdb_collections').all().map((t) => [t.name, t.table_name]));
const ids = (name) =>
  tables.has(name) ? db.prepare(`SELECT json_extract(_ferretdb_sjson, '$._id') AS id FROM "${tables.get(name)}" ORDER BY rowid`).all().map((row) => String(row.id)) : [];
console.log(
  JSON.stringify({
    salts: ids('settings').filter((id) => id.startsWith('address-salt:')),
    claims: ids('dossier_claims'),
    freePages: Number(db.prepare('PRAGMA freelist_count').get().freelist_count),
  }),
);
db.close();
