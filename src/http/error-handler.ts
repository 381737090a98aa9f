import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { NotFoundError, toAppError } from '../errors';

/** JSON for the API and for clients that only accept JSON; HTML pages for everyone else. */
export function wantsJson(req: Request): boolean {
  if (req.path.startsWith('/api/')) return true;
  return req.accepts(['html', 'json']) === 'json';
}

export const notFound: RequestHandler = () => {
  throw new NotFoundError();
};

/** The one error pipeline: log always, answer with the error's own status when expected, a generic 500 otherwise. */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  const appError = toAppError(error);
  const log = req.log ?? console;
  if (appError.expected) log.warn({ status: appError.status, code: appError.code }, appError.message);
  else log.error({ err: error }, 'unhandled error');

  if (res.headersSent) {
    next(error);
    return;
  }
  res.status(appError.status);
  // Refused before its body was read to the end (too large, wrong type): read and drop the rest and close after
  // this answer. A socket closed with unread data is reset, and the client then sees a reset instead of the 413.
  if (!req.complete) {
    res.setHeader('Connection', 'close');
    req.resume();
  }
  if (appError.status === 503) res.setHeader('Retry-After', '5');
  if (wantsJson(req)) {
    res.json({ error: { code: appError.code, message: appError.message, ...(appError.expected && appError.details ? { details: appError.details } : {}) } });
    return;
  }
  res.render('error', { status: appError.status, code: appError.code }, (renderError, html) => {
    // A broken error template must never hide the original answer.
    if (renderError) {
      log.error({ err: renderError }, 'error page failed to render');
      res.type('text/plain').send(`${appError.status}`);
      return;
    }
    res.send(html);
  });
};
