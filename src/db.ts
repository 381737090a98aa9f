import mongoose, { type Connection } from 'mongoose';
import type { Logger } from './logger';

/**
 * Settings chosen so that a dead database fails requests fast instead of hanging them:
 * - bufferCommands off: a query on a disconnected connection fails at once instead of queueing;
 * - a 2 s server-selection timeout bounds how long any operation waits for a server;
 * - a 1 s heartbeat notices a returning server quickly. The driver reconnects by itself.
 */
export const CONNECTION_OPTIONS = {
  bufferCommands: false,
  serverSelectionTimeoutMS: 2000,
  connectTimeoutMS: 2000,
  heartbeatFrequencyMS: 1000,
  socketTimeoutMS: 30000,
  maxPoolSize: 20,
  autoIndex: true,
} as const;

let globalsApplied = false;
function applyMongooseGlobals(): void {
  if (globalsApplied) return;
  // Strips query operators out of user-supplied filter values ({ code: { $gt: '' } } becomes a literal match).
  // Our own operator filters must therefore be wrapped: `find({ code: mongoose.trusted({ $in: codes }) })`.
  mongoose.set('sanitizeFilter', true);
  mongoose.set('strictQuery', true);
  globalsApplied = true;
}

export interface Database {
  connection: Connection;
  /**
   * Opens the connection, retrying every `retryMs` while the server is unreachable (0: try once).
   * Models can be registered on `connection` before this resolves; until then their queries fail fast (503).
   */
  open(options?: { retryMs?: number; signal?: AbortSignal }): Promise<void>;
  /** Resolves true when the server answers a ping within `timeoutMs`. */
  isReady(timeoutMs?: number): Promise<boolean>;
  /** Closes the driver's client and opens a new one on the same connection (models and collections stay valid). */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

/** Creates the connection object without opening it; importing this module never connects. */
export function createDatabase(uri: string, logger: Logger): Database {
  applyMongooseGlobals();
  const connection = mongoose.createConnection();
  connection.on('disconnected', () => {
    logger.warn('database disconnected');
  });
  connection.on('reconnected', () => {
    logger.info('database reconnected');
  });
  connection.on('error', (error) => {
    logger.error({ err: error }, 'database error');
  });

  return {
    connection,
    async open({ retryMs = 0, signal } = {}) {
      for (;;) {
        try {
          await connection.openUri(uri, CONNECTION_OPTIONS);
          logger.info({ db: connection.name }, 'database connected');
          return;
        } catch (error) {
          if (!retryMs || signal?.aborted) throw error;
          logger.warn({ err: error }, `database not reachable; retrying in ${retryMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, retryMs));
        }
      }
    },
    async isReady(timeoutMs = 1500) {
      // Not gated on mongoose's readyState: it follows the driver's reconnection through events and has been seen
      // to lag it (old mongoose issues; here /readyz once stayed 503 for 30 s after the database was back, while
      // the same test passes every time alone). The ping goes through the driver, which answers for itself.
      if (!connection.db) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, timeoutMs);
      });
      const ping = connection.db
        .admin()
        .ping()
        .then(() => true)
        .catch(() => false);
      try {
        return await Promise.race([ping, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async reconnect() {
      // Not forced: mongoose refuses to open a force-closed connection again. At most 5 s, so a client that hangs
      // in its close cannot hold the watchdog (its next try comes after that).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([connection.close().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      await connection.openUri(uri, CONNECTION_OPTIONS);
    },
    async close() {
      await connection.close();
    },
  };
}

/** Whether a new client of its own can reach the server at `uri` and have a ping answered (2 s at most). */
export async function reachable(uri: string): Promise<boolean> {
  const probe = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
  try {
    await probe.connect();
    await probe.db().admin().ping();
    return true;
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

/**
 * After the database restarts, the driver has been seen (1 run in 5 of test/reliability/database-fault.test.ts) to
 * keep its server "Unknown" for good: its pings fail while a new client's succeed. Every `everyMs`, this checks the
 * connection; once it has failed for `stuckMs` while a new client reaches the server, the client is replaced
 * (`reconnect`). A database that is really down is left to the driver's own reconnection.
 */
export function watchConnection(
  db: Pick<Database, 'isReady' | 'reconnect'>,
  uri: string,
  logger: Logger,
  options = { everyMs: 5000, stuckMs: 15_000 },
): () => void {
  let failingSince: number | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      if (await db.isReady()) {
        failingSince = undefined;
        return;
      }
      failingSince ??= Date.now();
      if (Date.now() - failingSince < options.stuckMs || !(await reachable(uri))) return;
      logger.warn('database: the driver stays disconnected from a reachable server; reconnecting');
      await db.reconnect();
      failingSince = undefined;
    })()
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'database: reconnecting failed; trying again later');
      })
      .finally(() => {
        busy = false;
      });
  }, options.everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}

/** Creates and opens a database in one step (scripts and tests). */
export async function connectDatabase(uri: string, logger: Logger): Promise<Database> {
  const db = createDatabase(uri, logger);
  await db.open();
  return db;
}
