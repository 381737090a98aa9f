import path from 'node:path';
import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createDatabase } from './db';
import { startFerretDb, type EmbeddedDatabase } from './embedded-db/ferretdb';
import { createLogger, type Logger } from './logger';

/** How long readiness answers 503 before the listener closes, so a load balancer can stop routing to us. */
const DRAIN_GRACE_MS = 1000;
/** After this, open connections are cut so the process always exits within 10 s. */
const FORCE_CLOSE_MS = 8000;

function readConfig(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.LOG_LEVEL);

  let embedded: EmbeddedDatabase | undefined;
  let uri = config.MONGODB_URI;
  if (!uri) {
    embedded = await startFerretDb({ dataDir: path.join(config.dataDir, 'ferretdb') });
    uri = embedded.uri;
    logger.info({ uri, dataDir: embedded.dataDir }, 'embedded FerretDB started');
  }

  const db = createDatabase(uri, logger);
  let shuttingDown = false;
  const app = createApp({ config, logger, db, readiness: { isReady: () => db.isReady(), isShuttingDown: () => shuttingDown } });
  const server = await listen(app, config.PORT);
  logger.info({ port: config.PORT, url: config.PUBLIC_BASE_URL }, 'listening');

  const opening = new AbortController();
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    opening.abort();
    logger.info({ signal }, 'shutting down: readiness is now 503, draining requests');
    setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_MS).unref();
    await new Promise((resolve) => setTimeout(resolve, DRAIN_GRACE_MS));
    await closeServer(server);
    await db.close().catch((error) => logger.warn({ err: error }, 'closing the database connection failed'));
    await embedded?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await db.open({ retryMs: 2000, signal: opening.signal }).catch((error) => {
    if (!shuttingDown) throw error;
  });
  if (shuttingDown) return;
  await afterConnect(logger);
}

/** Work that needs the database once it is there (demo seed, schedules) hooks in here. */
async function afterConnect(logger: Logger): Promise<void> {
  logger.debug('database ready');
}

function listen(app: ReturnType<typeof createApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

main().catch((error) => {
  console.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
