import crypto from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import type { Request, RequestHandler } from 'express';

/**
 * CSRF protection for the admin side. Forms send the token as the `_csrf` field (a file upload form in its
 * action's query), scripts as the `X-CSRF-Token` header; every state-changing admin request is checked.
 * - Signed in: a synchronizer token kept in the (already stored) session.
 * - Anonymous (the sign-in form): a signed double-submit cookie instead, so showing the login page to a stranger
 *   stores nothing in the database (a flood of GET /admin/login used to write one session each). The cookie
 *   holds the token and its HMAC under a key of its own; a page from another site can neither read it nor make
 *   a valid one.
 */
export const CSRF_COOKIE = 'hl_csrf';

interface AnonymousOptions {
  key: string;
  secure: boolean;
}

const OPTIONS = Symbol('csrf options');
const ISSUED = Symbol('csrf token issued by this request');
type CsrfRequest = Request & { [OPTIONS]?: AnonymousOptions; [ISSUED]?: string };

const signedIn = (req: Request) => typeof req.session?.userId === 'string';
const mac = (key: string, token: string) => crypto.createHmac('sha256', key).update(token).digest('base64url');

function anonymousToken(req: CsrfRequest): string | undefined {
  if (req[ISSUED] !== undefined) return req[ISSUED];
  const options = req[OPTIONS];
  const value = (req.cookies as Record<string, unknown> | undefined)?.[CSRF_COOKIE];
  if (!options || typeof value !== 'string' || value.length > 200) return undefined;
  const [token, signature, extra] = value.split('.');
  if (!token || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(options.key, token));
  const given = Buffer.from(signature);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given) ? token : undefined;
}

function storeAnonymousToken(req: CsrfRequest, token: string | null | undefined): void {
  const options = req[OPTIONS];
  const res = req.res;
  if (!options || !res) throw new Error('csrfToken() called outside the admin CSRF middleware');
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: options.secure, path: '/admin' };
  if (!token) {
    req[ISSUED] = undefined;
    res.clearCookie(CSRF_COOKIE, cookie);
    return;
  }
  req[ISSUED] = token;
  // A session cookie (no max-age): the sign-in form needs it only while the browser shows the page.
  res.cookie(CSRF_COOKIE, `${token}.${mac(options.key, token)}`, cookie);
}

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  size: 32,
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const header = req.headers['x-csrf-token'];
    if (typeof header === 'string') return header;
    // A file upload without a script: its multipart body is read by the route, after this check, so the form
    // carries the token in its action's query. Only for multipart bodies; the request log never writes a query.
    const fromQuery = (req.query as Record<string, unknown> | undefined)?._csrf;
    return req.is('multipart/form-data') && typeof fromQuery === 'string' ? fromQuery : undefined;
  },
  getTokenFromState: (req: Request) => (signedIn(req) ? req.session.csrfToken : anonymousToken(req)),
  storeTokenInState: (req: Request, token) => {
    if (signedIn(req)) req.session.csrfToken = token;
    else storeAnonymousToken(req, token);
  },
  errorConfig: { statusCode: 403, message: 'Invalid or missing CSRF token.', code: 'EBADCSRFTOKEN' },
});

/** The admin side's CSRF check; `key` signs the anonymous double-submit cookie (secret-keys.ts: 'anonymous-csrf'). */
export function csrfProtection(options: AnonymousOptions): RequestHandler {
  return (req, res, next) => {
    (req as CsrfRequest)[OPTIONS] = options;
    csrfSynchronisedProtection(req, res, next);
  };
}

export const csrfToken = generateToken;
