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
    async close() {
      await connection.close();
    },
  };
}

/** Creates and opens a database in one step (scripts and tests). */
export async function connectDatabase(uri: string, logger: Logger): Promise<Database> {
  const db = createDatabase(uri, logger);
  await db.open();
  return db;
}
