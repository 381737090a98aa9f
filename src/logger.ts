import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs in production; request ids and one line per request come from http/request-logging.ts. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'], remove: true },
  });
}
