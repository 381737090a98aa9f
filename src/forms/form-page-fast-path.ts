import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyAddr from 'proxy-addr';
import { isLang, type Lang } from '../i18n';
import type { Logger } from '../logger';
import { logWhenDone, requestIdOf } from '../http/request-logging';
import type { Channel } from '../surveys/instrument.types';
import type { PublicFormPages } from './form.routes';

/**
 * The blank form page served ahead of express. A QR code at a parents' meeting sends hundreds of phones to one link
 * within a minute, and on Node.js 24 express's chain around a cached page (router, helmet, static mount, the
 * limiter's headers, cookie and language middleware) cost more than the page itself: 0.22-0.35x of bare express
 * serving the same bytes (docs/benchmarks.md, B1). This path does only what a blank page needs, with everything
 * fixed computed once: the security headers as helmet sets them, the client address as express's `trust proxy`
 * sees it, the view limit in the same store and under the same key as the express route, the same log line.
 *
 * It answers only `GET /s/<code>` and `GET /k/<code>` without a query string (`?lang=` sets a cookie), for an open
 * link whose page is already cached, from an address under its limit. Everything else, including every error,
 * goes to express unchanged, which renders, refuses (429, 404) and fills the cache as before. A request handed on
 * after it was counted (over the limit) is counted once more by express's limiter: only ever past the limit.
 */
const FORM_PAGE = /^\/([sk])\/([A-Za-z0-9_-]{1,64})$/;
const CHANNEL_OF: Record<string, Channel> = { s: 'form', k: 'kiosk' };
const LANG_COOKIE = /(?:^|;)\s*lang="?([^;"]*)/;

export type FastPath = (req: IncomingMessage, res: ServerResponse, express: () => void) => boolean;

export interface FormPageFastPathDeps {
  pages: PublicFormPages;
  /** the headers every response carries (http/security.ts `securityHeaderList`) */
  securityHeaders: ReadonlyArray<[string, string]>;
  /** express's compiled `trust proxy` setting (`app.get('trust proxy fn')`) */
  trustProxy: (address: string, hop: number) => boolean;
  logger: Logger;
  clock: () => Date;
}

export function formPageFastPath(deps: FormPageFastPathDeps): FastPath {
  const fixedHeaders = deps.securityHeaders.flat();
  const policy = (limit: number) => `"${limit}-in-1min"; q=${limit}; w=60`;

  async function serve(req: IncomingMessage, res: ServerResponse, channel: Channel, code: string, started: bigint): Promise<boolean> {
    const now = deps.clock();
    const form = await deps.pages.blank.find(code, channel, now);
    const key = deps.pages.blank.keyOf(channel, form, languageOf(req));
    const page = deps.pages.blank.pages.cached(key, deps.pages.blank.newToken(form.survey, form.open.link.code));
    if (!page) return false;
    const limit = deps.pages.pageLimits[channel];
    const counted = await limit.hit(proxyAddr(req, deps.trustProxy));
    if (!counted.allowed) return false;

    const id = requestIdOf(req);
    logWhenDone(deps.logger, req, res, id, started);
    const [head, token, tail] = page;
    res.writeHead(200, [
      'X-Request-Id',
      id,
      ...fixedHeaders,
      'RateLimit-Policy',
      policy(limit.limit),
      'RateLimit',
      `"${limit.limit}-in-1min"; r=${counted.remaining}; t=${counted.resetSeconds}`,
      'Cache-Control',
      'no-store',
      'Content-Type',
      'text/html; charset=utf-8',
      'Content-Length',
      String(head.length + token.length + tail.length),
    ]);
    res.write(head);
    res.write(token);
    res.end(tail);
    deps.pages.blank.viewed(form, now);
    return true;
  }

  return (req, res, express) => {
    if (req.method !== 'GET') return false;
    const match = FORM_PAGE.exec(req.url ?? '');
    if (!match) return false;
    const started = process.hrtime.bigint();
    serve(req, res, CHANNEL_OF[match[1]!]!, match[2]!, started).then(
      (served) => {
        if (!served) express();
      },
      // Unknown or closed link, database down…: express answers it with the usual pages.
      () => {
        express();
      },
    );
    return true;
  };
}

/** The language a blank page is shown in: the `lang` cookie's, else Vietnamese (a `?lang=` never comes here). */
function languageOf(req: IncomingMessage): Lang {
  const cookie = req.headers.cookie;
  const value = cookie ? LANG_COOKIE.exec(cookie)?.[1] : undefined;
  return isLang(value) ? value : 'vi';
}
