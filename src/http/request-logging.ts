import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

const INCOMING_ID = /^[\w-]{8,64}$/;
const QUIET = new Set(['/healthz', '/readyz']);

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** the request id (echoed as X-Request-Id) */
      id?: string;
      /** a logger whose lines carry the request id (made on first use) */
      log?: Logger;
    }
  }
}

/** The request's id: a sane incoming X-Request-Id, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/**
 * One line when the response finishes (or is aborted), at warn for 4xx and error for 5xx. `started` is
 * process.hrtime.bigint() when the request arrived. Shared by the middleware below and the form page's fast path
 * (forms/form-page-fast-path.ts), so every request logs the same line whichever path served it.
 */
export function logWhenDone(logger: Logger, req: IncomingMessage, res: ServerResponse, id: string, started: bigint): void {
  const url = (req.url ?? '').split('?')[0];
  const done = (message: string) => {
    const status = res.statusCode;
    const level = !res.writableFinished ? 'warn' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const responseTime = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    logger[level]({ req: { id, method: req.method, url }, res: { statusCode: status }, responseTime }, message);
  };
  res.once('finish', () => {
    done('request completed');
  });
  res.once('close', () => {
    if (!res.writableFinished) done('request aborted');
  });
}

/**
 * Every request gets an id, echoed back, put on its log line and on every line logged through `req.log`.
 * Written by hand instead of pino-http, which built a child logger and serialised request and response for
 * every request: the largest share of the form page's allocations (docs/benchmarks.md, B1 and peak RSS).
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const id = requestIdOf(req);
    res.setHeader('X-Request-Id', id);
    req.id = id;
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, enumerable: false, get: () => (child ??= logger.child({ reqId: id })) });
    if (!QUIET.has(req.path)) logWhenDone(logger, req, res, id, started);
    next();
  };
}
