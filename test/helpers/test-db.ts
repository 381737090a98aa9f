import crypto from 'node:crypto';
import path from 'node:path';
import { connectDatabase, type Database } from '../../src/db';
import { createLogger } from '../../src/logger';

/** A database URI of the test run's server with a database of its own (named after the test file). */
export function testDatabaseUri(label = currentTestFileLabel()): string {
  const base = process.env.TEST_MONGODB_URI!;
  const url = new URL(base);
  url.pathname = `/${label}`;
  return url.toString();
}

function currentTestFileLabel(): string {
  const file = expect.getState().testPath ?? 'adhoc';
  const name = path
    .basename(file)
    .replace(/\.test\.ts$/, '')
    .replace(/[^a-z0-9]/gi, '_')
    .slice(0, 30);
  const hash = crypto.createHash('sha1').update(file).digest('hex').slice(0, 6);
  return `t_${name}_${hash}`;
}

/**
 * Connects to this test file's own database and empties it, so every file starts clean.
 * `keepData` opens a second connection to the same data (a second app instance, say) without emptying it.
 */
export async function connectTestDatabase(options: { label?: string; keepData?: boolean } = {}): Promise<Database> {
  const db = await connectDatabase(testDatabaseUri(options.label), createLogger('silent'));
  if (!options.keepData) await db.connection.dropDatabase();
  return db;
}
