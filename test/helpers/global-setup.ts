import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFerretDb, type EmbeddedDatabase } from '../../src/embedded-db/ferretdb';

/**
 * One throwaway FerretDB for the whole jest run, unless MONGODB_URI points at a server already.
 * Test files read TEST_MONGODB_URI and each use their own database (see test-db.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-test-db-'));
  const db: EmbeddedDatabase = await startFerretDb({ dataDir });
  process.env.TEST_MONGODB_URI = db.uri;
  (globalThis as { __testDatabase?: EmbeddedDatabase }).__testDatabase = db;
}
