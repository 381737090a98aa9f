import crypto from 'node:crypto';
import path from 'node:path';
import { hashPassword } from '../../src/access/passwords';
import { connectDatabase } from '../../src/db';
import { type EmbeddedDatabase, startFerretDb } from '../../src/embedded-db/ferretdb';
import { createLogger } from '../../src/logger';
import { createModels, type Models } from '../../src/models';
import { startAppProcess, type RunningServer } from './servers';
import { untilQuiet } from './process-stats';

/** The administrator a `npm run bench -- --keep` run created. */
export const KEPT_ADMIN = 'bench-admin@hailong.local';

export interface KeptApp {
  ferret: EmbeddedDatabase;
  models: Models;
  app: RunningServer;
  admin: { email: string; password: string };
}

/**
 * The database a `npm run bench -- --keep` run left in `dir` (a million answers take 10-14 minutes to seed here),
 * with the app started on it as production starts it (its log in `dir/<logName>`) and the bench administrator's
 * password reset; `work` runs once the database is quiet (process-stats.ts), and everything stops after it.
 */
export async function withKeptApp(dir: string, logName: string, work: (kept: KeptApp) => Promise<void>, logLevel = 'warn'): Promise<void> {
  const ferret = await startFerretDb({ dataDir: path.join(dir, 'ferretdb') });
  const db = await connectDatabase(ferret.uri, createLogger('silent'));
  const models = createModels(db.connection);
  const password = crypto.randomBytes(12).toString('hex');
  await models.User.updateOne({ email: KEPT_ADMIN }, { $set: { passwordHash: await hashPassword(password) } });
  const app = await startAppProcess({ uri: ferret.uri, logLevel, logFile: path.join(dir, logName) });
  try {
    console.log(`database quiet ${((await untilQuiet(ferret.pid)) / 1000).toFixed(0)} s after the app started`);
    await work({ ferret, models, app, admin: { email: KEPT_ADMIN, password } });
  } finally {
    await app.stop();
    await db.close();
    await ferret.stop();
  }
}

/** Runs a script's main, exiting non-zero with the error when it fails. */
export function runScript(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
