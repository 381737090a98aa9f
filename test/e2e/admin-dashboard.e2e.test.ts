import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { periodOf, shiftPeriod } from '../../src/responses/period';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createUser, PASSWORD } from '../helpers/admin-fixtures';
import { formatViolations, launchBrowser, listen, runAxe, saveScreenshot, type RunningServer } from '../helpers/browser';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The admin dashboard in a real browser (Debian's chromium): signing in through the form, the trend chart drawn by
 * chart.js served from our own origin under a strict CSP, no console errors, axe (WCAG 2 A/AA), and no sideways
 * scrolling on a 360 px phone.
 */
jest.setTimeout(90_000);

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, locale: 'vi-VN' };
const PHONE_WIDTH = 360;
const PHONE: BrowserContextOptions = { viewport: { width: PHONE_WIDTH, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' };
const EMAIL = 'super@example.vn';

const U: Record<string, Unit> = {
  SGD: { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  'TH-A': { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  'THCS-B': { code: 'THCS-B', name: 'THCS B', type: 'school', level: 'thcs', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
};

const repeat = (score: number, count: number) => Array<number>(count).fill(score);

/** Responses in four months of the default window (the last 12 months ending with the current one, Vietnam time). */
async function seedFixture(models: Models): Promise<string[]> {
  await ensureIndexes(models);
  await models.Unit.insertMany(Object.values(U));
  await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
  await seedTargets(models.Target);
  const current = periodOf(new Date());
  const periods = [shiftPeriod(current, -9), shiftPeriod(current, -6), shiftPeriod(current, -3), current];
  for (const [i, period] of periods.entries()) {
    const edu = (unit: Unit, scores: number[]) =>
      addResponses(models, { unit, surveyKey: `edu-parent-${unit.level}`, kind: 'education', scale: 5, period, scores });
    await edu(U['TH-A']!, [...repeat(5, 20 + i * 3), ...repeat(3, 6)]);
    await edu(U['THCS-B']!, [...repeat(4, 12 + i * 2), ...repeat(2, 8 - i)]);
  }
  return periods;
}

/** The page's globals, described by hand: this project compiles without DOM typings. */
type Canvas = {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
};
type PageGlobals = {
  Chart?: unknown;
  document: { documentElement: { scrollWidth: number }; getElementById(id: string): unknown; querySelectorAll(selector: string): ArrayLike<unknown> };
  innerWidth: number;
};
type Box = { tagName: string; id: string; className: string; closest(selector: string): unknown; getBoundingClientRect(): { left: number; right: number } };

describe('admin dashboard in a browser', () => {
  let ctx: TestContext;
  let server: RunningServer;
  let browser: Browser;
  let periods: string[];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    const models = createModels(ctx.db.connection);
    periods = await seedFixture(models);
    await createUser(models, EMAIL, 'super_admin', 'SGD');
    server = await listen(ctx.app);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await ctx?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  interface Session {
    page: Page;
    requests: string[];
    consoleErrors: string[];
  }

  /** A fresh context that records every request and every console error, signed in through the login form. */
  async function signIn(options: BrowserContextOptions): Promise<Session> {
    const context = await browser.newContext(options);
    contexts.push(context);
    const requests: string[] = [];
    const consoleErrors: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // chromium asks for /favicon.ico by itself (the app has none); that 404 is the browser's, not the page's.
      if (/^Failed to load resource: .*\b404\b/.test(msg.text()) && new URL(msg.location().url).pathname === '/favicon.ico') return;
      consoleErrors.push(`${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));

    const res = await page.goto(`${server.baseUrl}/admin/login`);
    expect(res?.status()).toBe(200);
    await page.getByLabel('Thư điện tử').fill(EMAIL);
    await page.getByLabel('Mật khẩu').fill(PASSWORD);
    // Main-frame documents, in order: the page finally shown must be the dashboard, served with 200.
    const documents: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) documents.push({ url: r.url(), status: r.status() });
    });
    // Not the first GET /admin: express-session flushes the 303's headers before the new session is stored, so
    // chromium may get there first and bounce once via /admin/login?next=%2Fadmin (saving before redirecting fixes it).
    try {
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/admin', { waitUntil: 'load', timeout: 20_000 }),
        page.getByRole('button', { name: 'Đăng nhập' }).click(),
      ]);
    } catch (error) {
      const shown = await page
        .locator('body')
        .innerText()
        .catch(() => '');
      throw new Error(
        `sign-in did not land on /admin (now at ${page.url()}; documents ${JSON.stringify(documents)}): ${String(error)}\n${shown.slice(0, 500)}`,
      );
    }
    expect(documents.at(-1)).toEqual({ url: `${server.baseUrl}/admin`, status: 200 });
    return { page, requests, consoleErrors };
  }

  it('when a super admin signs in, then the trend chart is drawn from our origin with no console errors and no critical axe violation', async () => {
    const { page, requests, consoleErrors } = await signIn(DESKTOP);
    expect(new URL(page.url()).pathname).toBe('/admin');
    // The first page is the overview of the targets (with dossiers received online, issue #28), drawn without a script.
    expect(await page.locator('section.tile').count()).toBe(4);
    expect(await page.locator('svg.sparkline').count()).toBe(4);
    const overviewViolations = (await runAxe(page, ['wcag2a', 'wcag2aa'])).filter((v) => v.impact === 'critical');
    if (overviewViolations.length) throw new Error(`axe found critical violation(s) on the overview:\n${formatViolations(overviewViolations)}`);
    await saveScreenshot(page, 'admin-overview.png');

    // The dossiers page with the one-stop shares and the service index (issue #28).
    await page.goto(`${server.baseUrl}/admin/dossiers`);
    expect(await page.locator('#service-index tr[data-group]').count()).toBe(5);
    const dossierViolations = (await runAxe(page, ['wcag2a', 'wcag2aa'])).filter((v) => v.impact === 'critical' || v.impact === 'serious');
    if (dossierViolations.length) throw new Error(`axe found violation(s) on the dossiers page:\n${formatViolations(dossierViolations)}`);

    await page.goto(`${server.baseUrl}/admin/dashboard`);
    expect(await page.locator('h1').textContent()).toBeTruthy();

    // The trend table lists the 12 months of the default window; the seeded months carry counts.
    const monthHeaders = page.locator('table.compact thead th.num');
    expect(await monthHeaders.count()).toBe(12);
    const counts = await page.locator('table.compact tbody tr').first().locator('td.num').allTextContents();
    expect(counts.filter((c) => c.trim() !== '0')).toHaveLength(periods.length);

    const canvas = page.locator('canvas#trend');
    await canvas.waitFor({ state: 'visible' });
    // chart.js draws synchronously (animation off) once its script has run; wait until something is on the canvas.
    await page.waitForFunction(() => typeof (globalThis as unknown as PageGlobals).Chart === 'function');
    const painted = await page.evaluate(() => {
      const c = (globalThis as unknown as PageGlobals).document.getElementById('trend') as Canvas;
      const g = c.getContext('2d');
      if (!g || c.width === 0 || c.height === 0) return { painted: 0, total: 0 };
      const data = g.getImageData(0, 0, c.width, c.height).data;
      let count = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
      return { painted: count, total: data.length / 4 };
    });
    expect(painted.painted).toBeGreaterThan(500);
    expect(painted.painted).toBeLessThan(painted.total); // a chart, not a filled rectangle

    // chart.js came from us; nothing the page asked for went to another origin.
    const origin = new URL(server.baseUrl).origin;
    expect(requests).toContain(`${origin}/static/vendor/chart.umd.min.js`);
    expect(requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin)).toEqual([]);

    // No console errors (a CSP violation would be one) while signing in and loading the dashboard.
    expect(consoleErrors).toEqual([]);

    const file = await saveScreenshot(page, 'admin-dashboard.png');
    expect(file).toMatch(/admin-dashboard\.png$/);

    const violations = await runAxe(page, ['wcag2a', 'wcag2aa']);
    const critical = violations.filter((v) => v.impact === 'critical');
    const serious = violations.filter((v) => v.impact === 'serious');
    if (serious.length) console.warn(`axe (serious) on /admin:\n${formatViolations(serious)}`);
    if (critical.length) throw new Error(`axe found ${critical.length} critical violation(s) on /admin:\n${formatViolations(critical)}`);
  });

  it('when opened on a 360 px phone, then nothing outside the table containers scrolls sideways', async () => {
    const { page, consoleErrors } = await signIn(PHONE);
    await expectNoSidewaysScroll(page, 'admin-overview-360.png');
    await page.goto(`${server.baseUrl}/admin/dossiers`);
    await expectNoSidewaysScroll(page, 'admin-dossiers-360.png');
    await page.goto(`${server.baseUrl}/admin/dashboard`);
    await page.locator('canvas#trend').waitFor({ state: 'visible' });
    await expectNoSidewaysScroll(page, 'admin-dashboard-360.png');
    expect(consoleErrors).toEqual([]);
  });
});

/** Nothing outside the table containers is wider than the phone. */
async function expectNoSidewaysScroll(page: Page, screenshot: string): Promise<void> {
  const { scrollWidth, offenders } = await page.evaluate(() => {
    const win = globalThis as unknown as PageGlobals;
    const all = Array.from(win.document.querySelectorAll('body *')) as Box[];
    const wide = all
      .filter((el) => !el.closest('.table-wrap') || (el as unknown) === el.closest('.table-wrap'))
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.right > win.innerWidth + 0.5 || r.left < -0.5;
      })
      // An SVG element's className is an SVGAnimatedString at run time, whatever Box says: String() reads it alike.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
      .filter((el) => !/\bskip\b/.test(String(el.className)))
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(/\s+/).join('.')}` : ''}`);
    return { scrollWidth: win.document.documentElement.scrollWidth, offenders: wide };
  });
  if (scrollWidth > PHONE_WIDTH) throw new Error(`${page.url()} is ${scrollWidth}px wide at ${PHONE_WIDTH}px; too wide: ${offenders.join(', ')}`);
  expect(scrollWidth).toBeLessThanOrEqual(PHONE_WIDTH);
  await saveScreenshot(page, screenshot);
}
