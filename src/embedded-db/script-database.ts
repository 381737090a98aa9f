import path from 'node:path';
import type { Config } from '../config';
import { connectDatabase, type Database } from '../db';
import type { Logger } from '../logger';
import { startFerretDb } from './ferretdb';
import { readRunningState } from './running-state';

/**
 * The database for a command-line script: MONGODB_URI when set; else the embedded server a running
 * `npm start` already serves; else an embedded server started for the script's duration on the same DATA_DIR.
 */
export async function openScriptDatabase(config: Readonly<Config>, logger: Logger): Promise<{ db: Database; close(): Promise<void> }> {
  if (config.MONGODB_URI) {
    const db = await connectDatabase(config.MONGODB_URI, logger);
    return { db, close: () => db.close() };
  }
  const dataDir = path.join(config.dataDir, 'ferretdb');
  const running = readRunningState(dataDir);
  if (running) {
    const db = await connectDatabase(running.uri, logger);
    return { db, close: () => db.close() };
  }
  const embedded = await startFerretDb({ dataDir });
  const db = await connectDatabase(embedded.uri, logger);
  return {
    db,
    async close() {
      await db.close();
      await embedded.stop();
    },
  };
}
