import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { Config } from './config';
import type { Database } from './db';
import { PROJECT_ROOT } from './embedded-db/ferretdb';
import { healthRoutes, type Readiness } from './health/health.routes';
import { homeRoutes } from './home/home.routes';
import { errorHandler, notFound } from './http/error-handler';
import { language } from './http/language';
import { requestLogging } from './http/request-logging';
import { securityHeaders } from './http/security';
import type { Logger } from './logger';

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  db: Database;
  /** Defaults to "ready when the database answers a ping". */
  readiness?: Readiness;
}

/** Builds the express app. Never listens and never connects: server.ts and the tests do that. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, db } = deps;
  const app = express();
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  app.set('view engine', 'ejs');
  app.disable('x-powered-by');

  app.use(requestLogging(logger));
  app.use(securityHeaders(config.isProduction));
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { maxAge: config.isProduction ? '7d' : 0, index: false }));
  app.use(healthRoutes(deps.readiness ?? { isReady: () => db.isReady(), isShuttingDown: () => false }));

  app.use(cookieParser(config.SESSION_SECRET));
  app.use(language(config.isProduction));
  app.use(homeRoutes());

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
