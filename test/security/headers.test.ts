import path from 'node:path';
import cookieParser from 'cookie-parser';
import express from 'express';
import request from 'supertest';
import { PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { errorHandler, notFound } from '../../src/http/error-handler';
import { language } from '../../src/http/language';
import { requestLogging } from '../../src/http/request-logging';
import { securityHeaders } from '../../src/http/security';
import { createLogger } from '../../src/logger';
import { createUser, csrfFrom, PASSWORD } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { allAnswers, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';

/**
 * Security headers, cookies and error pages across every kind of page: a strict CSP without inline scripts,
 * no framing, HSTS in production only, HttpOnly + SameSite (+ Secure in production) cookies, and error pages
 * that never show a stack, a file path or an unexpected error's message.
 */
const ADMIN = 'baomat@sogd.gov.vn';
const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'production-secret-production-secret-42', TRUST_PROXY: 'loopback' };

type Res = request.Response;

function cspDirectives(res: Res): Map<string, string[]> {
  const header = res.headers['content-security-policy'];
  expect(typeof header).toBe('string');
  return new Map(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

/** The CSP of an HTML page allows no inline or evaluated script and no framing; the page has no inline script. */
function expectLockedDown(res: Res, label: string): void {
  const csp = cspDirectives(res);
  const scripts = csp.get('script-src') ?? csp.get('default-src') ?? ['(none: anything goes)'];
  const unsafe = scripts.filter((s) =>
    ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", '*', 'data:', 'http:', 'https:', '(none: anything goes)'].includes(s.toLowerCase()),
  );
  expect({ label, unsafe }).toEqual({ label, unsafe: [] });
  expect({ label, frameAncestors: csp.get('frame-ancestors') }).toEqual({ label, frameAncestors: ["'none'"] });
  expect({ label, objectSrc: csp.get('object-src') ?? csp.get('default-src') }).toEqual({ label, objectSrc: [expect.stringMatching(/^'none'$/)] });
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-content-type-options']).toBe('nosniff');

  if (!/html/.test(res.type)) return;
  const html = res.text;
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
    const external = /\ssrc\s*=\s*"\/[^/"][^"]*"/i.test(tag);
    const data = /\stype\s*=\s*"application\/json"/i.test(tag);
    expect({ label, tag, allowed: external || data }).toEqual({ label, tag, allowed: true });
  }
  // JSON blocks cannot end early: no "</script" or "<!--" inside them.
  for (const [, body] of html.matchAll(/<script\b[^>]*type="application\/json"[^>]*>([\s\S]*?)<\/script>/gi)) expect(body).not.toMatch(/<\/script|<!--/i);
  // Event-handler attributes and javascript: URLs are inline script too.
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    expect({ label, tag, handler: /\son[a-z]+\s*=/i.test(tag) }).toEqual({ label, tag, handler: false });
    expect({ label, tag, jsUrl: /(href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(tag) }).toEqual({ label, tag, jsUrl: false });
  }
}

/** Nothing an attacker could learn the internals from. */
function expectNoInternals(res: Res, secret?: string): void {
  const text = res.text ?? JSON.stringify(res.body);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/); // stack frames
  expect(text).not.toMatch(/\.(ts|js|ejs):\d+/);
  expect(text).not.toMatch(/\/work\/|\/home\/|\/srv\/|node_modules|[A-Z]:\\\\/);
  expect(text).not.toMatch(/Mongo(Server|Network)?Error|MongooseError|ValidationError|TypeError|ReferenceError|ECONNREFUSED|stack/i);
  if (secret) expect(text).not.toContain(secret);
}

const setCookies = (res: Res): string[] => ([] as string[]).concat(res.headers['set-cookie'] ?? []);
const cookieNamed = (res: Res, name: string) => setCookies(res).find((c) => c.startsWith(`${name}=`));

function expectSafeCookie(cookie: string | undefined, production: boolean): void {
  expect(cookie).toBeDefined();
  const attributes = cookie!
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
  expect(attributes).toContain('httponly');
  expect(attributes.some((a) => a === 'samesite=lax' || a === 'samesite=strict')).toBe(true);
  expect(attributes.includes('secure')).toBe(production);
}

describe('security headers, cookies and error pages', () => {
  describe.each([
    ['outside production', {}, false],
    ['in production', PRODUCTION, true],
  ] as const)('when the app runs %s', (_label, env, production) => {
    let ctx: TestContext;
    let fx: SurveyFixtures;
    /** The signed-in session cookie (carried by hand: an agent would not send a Secure cookie back over plain http). */
    let session: string;
    let formPath: string;
    let kioskPath: string;
    // Behind a TLS-terminating proxy in production, as deployed (secure cookies need a secure request).
    const https = (r: request.Test) => (production ? r.set('X-Forwarded-Proto', 'https') : r);

    async function signIn(): Promise<{ login: Res; signedIn: Res; session: string }> {
      const login = await https(request(ctx.app).get('/admin/login')).expect(200);
      // The anonymous login page stores no session: its CSRF token is paired with a signed cookie instead.
      const csrfCookie = cookieNamed(login, 'hl_csrf')!.split(';')[0]!;
      const signedIn = await https(request(ctx.app).post('/admin/login'))
        .set('Cookie', csrfCookie)
        .type('form')
        .send({ _csrf: csrfFrom(login.text), email: ADMIN, password: PASSWORD });
      expect(signedIn.status).toBe(303);
      return { login, signedIn, session: cookieNamed(signedIn, 'hl_sid')!.split(';')[0]! };
    }

    beforeAll(async () => {
      ctx = await createTestContext({ ...env });
      fx = await seedSurveyFixtures(ctx.db);
      await createUser(fx.models, ADMIN, 'super_admin', 'SGD');
      formPath = `/s/${fx.links['edu-parent-thcs']}`;
      kioskPath = `/k/${fx.links['tthc-quick']}`;
      session = (await signIn()).session;
    });
    afterAll(() => ctx.close());

    const asAdmin = (url: string) => https(request(ctx.app).get(url)).set('Cookie', session);

    it('then every kind of page has a strict CSP, no inline script and no X-Powered-By', async () => {
      const pages: Array<[string, () => Promise<Res>, number]> = [
        ['landing', () => https(request(ctx.app).get('/')), 200],
        ['form', () => https(request(ctx.app).get(formPath)), 200],
        ['kiosk', () => https(request(ctx.app).get(kioskPath)), 200],
        ['form thanks', () => https(request(ctx.app).get(`${formPath}/thanks`)), 200],
        ['kiosk thanks', () => https(request(ctx.app).get(`${kioskPath}/thanks`)), 200],
        ['admin login', () => https(request(ctx.app).get('/admin/login')), 200],
        ['not found', () => https(request(ctx.app).get('/khong-co-trang-nay')), 404],
        ['health', () => https(request(ctx.app).get('/healthz')), 200],
        ['static css', () => https(request(ctx.app).get('/static/css/app.css')), 200],
        ['qr svg', () => https(request(ctx.app).get(`/qr/${fx.links['edu-parent-thcs']}.svg`)), 200],
      ];
      for (const [label, load, status] of pages) {
        const res = await load();
        expect({ label, status: res.status }).toEqual({ label, status });
        expectLockedDown(res, label);
      }
    });

    it('then every admin page has a strict CSP and no inline script (chart data only in a JSON block)', async () => {
      const pages = [
        '/admin',
        '/admin/dashboard',
        '/admin/dossiers',
        '/admin/cases',
        '/admin/links',
        '/admin/comments',
        '/admin/review',
        '/admin/settings',
        '/admin/units',
        '/admin/users',
        '/admin/audit',
        '/admin/surveys',
        '/admin/surveys/edu-parent-thcs/1',
        '/admin/reports',
        '/admin/print',
        '/admin/reports/preview',
      ];
      for (const url of pages) {
        const res = await asAdmin(url);
        expect({ url, status: res.status }).toEqual({ url, status: 200 });
        expectLockedDown(res, url);
        if (url === '/admin/reports/preview') expect(res.text).not.toMatch(/<script/i);
      }
      const dashboard = await asAdmin('/admin/dashboard');
      expect(dashboard.text).toContain('<script type="application/json" id="chart-data">');
    });

    it(`then HSTS is ${production ? 'sent (a year, subdomains)' : 'not sent'}`, async () => {
      const res = await https(request(ctx.app).get('/'));
      if (production) {
        const hsts = res.headers['strict-transport-security'] ?? '';
        expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31536000);
        expect(hsts).toMatch(/includeSubDomains/i);
      } else {
        expect(res.headers['strict-transport-security']).toBeUndefined();
      }
    });

    it(`then the lang, hl_done, hl_csrf and hl_sid cookies are HttpOnly and SameSite${production ? ', and Secure' : ''}`, async () => {
      expectSafeCookie(cookieNamed(await https(request(ctx.app).get('/?lang=en')), 'lang'), production);

      const token = tokenFrom((await https(request(ctx.app).get(formPath)).expect(200)).text);
      const submitted = await https(request(ctx.app).post(formPath))
        .type('form')
        .send({ _token: token, ...allAnswers(fx.instrument('edu-parent-thcs'), 5) });
      expect(submitted.status).toBe(303);
      expectSafeCookie(cookieNamed(submitted, 'hl_done'), production);

      const { login, signedIn } = await signIn();
      expect(cookieNamed(login, 'hl_sid')).toBeUndefined();
      expectSafeCookie(cookieNamed(login, 'hl_csrf'), production);
      expectSafeCookie(cookieNamed(signedIn, 'hl_sid'), production);
      // Every cookie the app set on the way is one of ours and equally protected.
      for (const res of [login, signedIn, submitted]) for (const cookie of setCookies(res)) expectSafeCookie(cookie, production);
    });

    describe('and a request fails', () => {
      const html = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';
      const post = (accept: string) => https(request(ctx.app).post(formPath)).set('Accept', accept);
      const get = (url: string, accept: string) => https(request(ctx.app).get(url)).set('Accept', accept);
      const fresh = async () => tokenFrom((await https(request(ctx.app).get(formPath)).expect(200)).text);
      const cases: Array<[string, (accept: string) => Promise<Res>, number]> = [
        ['404 unknown page', (a) => get('/khong-co/../../etc/passwd', a), 404],
        ['404 unknown link', (a) => get('/s/zzzzzzzzzz', a), 404],
        [
          '400 forged token',
          async (a) =>
            post(a)
              .type('form')
              .send({ _token: `${(await fresh()).split('.')[0]}.forged`, overall: '5' }),
          400,
        ],
        [
          '400 field sent twice',
          async (a) =>
            post(a)
              .type('form')
              .send(`_token=${encodeURIComponent(await fresh())}&overall=5&overall=1`),
          400,
        ],
        ['400 malformed URI', (a) => get('/s/%E0%A4%A', a), 400],
        [
          '413 too large',
          async (a) =>
            post(a)
              .type('form')
              .send({ _token: await fresh(), overall: '5', comment: 'x'.repeat(40_000) }),
          413,
        ],
        [
          '415 JSON body',
          async (a) =>
            post(a)
              .set('Content-Type', 'application/json')
              .send(JSON.stringify({ _token: await fresh(), overall: '5' })),
          415,
        ],
        [
          '422 invalid answers',
          async (a) =>
            post(a)
              .type('form')
              .send({ _token: await fresh(), overall: '9' }),
          422,
        ],
        ['403 CSRF', (a) => https(request(ctx.app).post('/admin/login')).set('Accept', a).type('form').send({ email: ADMIN, password: PASSWORD }), 403],
        ['401 API', (a) => get('/api/v1/stats', a), 401],
      ];

      it.each(cases)('then the %s page shows no internals and keeps the headers', async (label, send, status) => {
        const res = await send(html);
        expect(res.status).toBe(status);
        expectNoInternals(res);
        expectLockedDown(res, label);
      });

      // A form re-rendered with its errors (422) is HTML whatever is asked; every other error speaks JSON on request.
      it.each(cases.filter(([, , status]) => status !== 422))('then the %s answer in JSON shows no internals either', async (_label, send, status) => {
        const res = await send('application/json');
        expect(res.status).toBe(status);
        expect(res.type).toBe('application/json');
        expect(Object.keys(res.body)).toEqual(['error']);
        expect(typeof res.body.error.code).toBe('string');
        expectNoInternals(res);
      });
    });
  });

  describe('when an unexpected error reaches the real error handler', () => {
    const SECRET = 'SECRET-INTERNAL-DETAIL-7f3a';
    const app = express();
    app.set('views', path.join(PROJECT_ROOT, 'views'));
    app.set('view engine', 'ejs');
    app.disable('x-powered-by');
    app.use(requestLogging(createLogger('silent')));
    app.use(securityHeaders(false));
    app.use(cookieParser('secret-secret-secret-secret-secret-00'));
    app.use(language(false));
    app.get(['/boom', '/api/v1/boom'], () => {
      const error = new Error(`${SECRET} while reading /srv/app/src/secret.ts:12:34`);
      error.stack = `Error: ${SECRET}\n    at handler (/srv/app/src/secret.ts:12:34)`;
      throw error;
    });
    app.get('/boom-async', async () => {
      await Promise.resolve();
      throw Object.assign(new TypeError(`${SECRET}: cannot read properties of undefined`), { status: 'x', code: 'E_SECRET' });
    });
    app.get('/boom-status', () => {
      throw Object.assign(new Error(SECRET), { status: 503, expose: true });
    });
    app.use(notFound);
    app.use(errorHandler);

    it.each(['/boom', '/boom-async', '/boom-status'])('then %s answers a generic 500 page without the stack, the path or the message', async (url) => {
      const res = await request(app).get(url).set('Accept', 'text/html');
      expect(res.status).toBe(500);
      expect(res.type).toBe('text/html');
      expect(res.text).toContain('Đã có lỗi không mong muốn');
      expectNoInternals(res, SECRET);
      expect(res.text).not.toContain('E_SECRET');
      expectLockedDown(res, url);
    });

    it('then the JSON answer is the generic internal error, nothing more', async () => {
      for (const res of [await request(app).get('/api/v1/boom'), await request(app).get('/boom').set('Accept', 'application/json')]) {
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: { code: 'internal', message: 'Internal error.' } });
        expectNoInternals(res, SECRET);
      }
    });
  });

  describe('when the database is unavailable for a page that needs it', () => {
    let ctx: TestContext;
    let formPath: string;
    beforeAll(async () => {
      const seeded = await createTestContext();
      formPath = `/s/${(await seedSurveyFixtures(seeded.db)).links['edu-parent-thcs']}`;
      await seeded.close();
      ctx = await createTestContext({}, { keepData: true });
      await ctx.db.close();
    });

    it('then the form answers 503 without internals, in HTML and in JSON', async () => {
      const html = await request(ctx.app).get(formPath);
      expect(html.status).toBe(503);
      expectNoInternals(html);
      expectLockedDown(html, 'database down');
      const json = await request(ctx.app).get(formPath).set('Accept', 'application/json');
      expect(json.status).toBe(503);
      expect(json.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
      expectNoInternals(json);
    });
  });
});
