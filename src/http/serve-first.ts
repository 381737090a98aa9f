import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

/**
 * `fast` sees every request before express does. It returns false to decline at once, or true to take the request,
 * and may still hand it to express later through the callback it is given (which it must then do exactly once).
 *
 * Installed on the app's own `handle`, which is what `app(req, res)` calls, so the server, supertest and every
 * test that builds the app go through the same path. Express itself (its request and response prototypes, the
 * router) is never entered for a request `fast` answers: that is the point (forms/form-page-fast-path.ts).
 */
type Handle = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

export function serveFirst(app: Express, fast: (req: IncomingMessage, res: ServerResponse, express: () => void) => boolean): void {
  // Type escape: express's types leave out `app.handle`, which every version since 4 has and `app(req, res)` calls.
  const withHandle = app as unknown as { handle: Handle };
  const handle = withHandle.handle.bind(app);
  withHandle.handle = (req, res, next) => {
    const toExpress = () => {
      handle(req, res, next);
    };
    if (!fast(req, res, toExpress)) toExpress();
  };
}
