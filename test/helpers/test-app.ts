import type { Express } from 'express';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Database } from '../../src/db';
import { createInstance, type Instance } from '../../src/instance';
import { createLogger, type Logger } from '../../src/logger';
import { connectTestDatabase } from './test-db';

export interface TestContext {
  app: Express;
  /** the app's projector, answer inserts and view counts (src/instance.ts) */
  instance: Instance;
  db: Database;
  config: Readonly<Config>;
  close(): Promise<void>;
}

/** The real app on this test file's own database, with test-friendly settings that `env` may override. */
export async function createTestContext(env: Record<string, string> = {}, options: { keepData?: boolean; clock?: () => Date } = {}): Promise<TestContext> {
  const db = await connectTestDatabase({ keepData: options.keepData });
  const { app, config, instance } = testApp(db, env, { clock: options.clock });
  return { app, instance, db, config, close: () => db.close() };
}

/** Another app on `db` with the same test settings (several apps on one database, or a logger to read). */
export function testApp(
  db: Database,
  env: Record<string, string> = {},
  options: { clock?: () => Date; logger?: Logger } = {},
): { app: Express; config: Readonly<Config>; instance: Instance } {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: 'http://hailong.test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    FORM_MIN_FILL_SECONDS: '0',
    ...env,
  });
  const logger = options.logger ?? createLogger('silent');
  const instance = createInstance(db.connection, logger);
  const app = createApp({ config, logger, db, clock: options.clock, instance });
  return { app, config, instance };
}
