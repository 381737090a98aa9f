import MongoStore from 'connect-mongo';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import { ConnectionStates, type Connection } from 'mongoose';
import { ServiceUnavailableError } from '../errors';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** When the user signed in (ms): the absolute timeout counts from here. */
    signedInAt?: number;
    /** Last request (ms): the idle timeout counts from here. */
    lastSeenAt?: number;
  }
}

export interface SessionOptions {
  secret: string;
  secure: boolean;
  idleMs: number;
}

export const SESSION_COOKIE = 'hl_sid';

/**
 * Sessions live in the database (shared by every instance), in the `sessions` collection, cleaned up by an
 * interval job rather than a TTL index (FerretDB v1 has none). The store is created at the first request, once
 * the connection is open, because the app is built before the database connects.
 */
export function sessions(connection: Connection, options: SessionOptions): RequestHandler {
  let handler: RequestHandler | undefined;
  return (req, res, next) => {
    if (!handler) {
      if (connection.readyState !== ConnectionStates.connected) throw new ServiceUnavailableError();
      handler = session({
        name: SESSION_COOKIE,
        secret: options.secret,
        resave: false,
        saveUninitialized: false,
        rolling: true,
        store: MongoStore.create({
          client: connection.getClient(),
          dbName: connection.name,
          collectionName: 'sessions',
          autoRemove: 'interval',
          autoRemoveInterval: 10,
          stringify: false,
        }),
        cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: options.idleMs, path: '/' },
      });
    }
    handler(req, res, next);
  };
}

/** A new session id with the session's data, once the store holds it. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Resolves once the store holds the session as it is now. */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.save((error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Resolves once the store has been asked to forget the session, whether or not it managed to. */
export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve) => {
    req.session.destroy(() => {
      resolve();
    });
  });
}
