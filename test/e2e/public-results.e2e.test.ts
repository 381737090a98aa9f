import type { Browser } from 'playwright-core';
import request from 'supertest';
import { publishUnit } from '../../src/public/published-units';
import { seedTargets } from '../../src/stats/target.model';
import { formatViolations, launchBrowser, listen, runAxe, saveScreenshot, type RunningServer } from '../helpers/browser';
import { allAnswers, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The public results page (issue #27) in a real browser (Debian's chromium): axe finds no serious or critical
 * WCAG 2.1 AA violation at 360 px and at 1280 px, nothing scrolls sideways on the phone, and it needs no script.
 */
jest.setTimeout(60_000);

type PageGlobals = { document: { documentElement: { scrollWidth: number } } };
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

describe('the public results in a browser', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    await seedTargets(fx.models.Target);
    for (const score of [5, 4, 5, 2, 5, 5]) {
      const key = 'edu-parent-thcs';
      expect((await fillAndSubmit(request.agent(ctx.app), `/s/${fx.links[key]}`, allAnswers(fx.instrument(key), score))).res.status).toBe(303);
    }
    await publishUnit(fx.models.PublishedUnit, 'SGD', 'test', new Date());
    server = await listen(ctx.app);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await ctx?.close();
  });

  it.each([
    [360, 740],
    [1280, 900],
  ])(
    'when /cong-khai is opened %i px wide without JavaScript, then axe finds no serious or critical violation and nothing scrolls sideways',
    async (width, height) => {
      const context = await browser.newContext({ viewport: { width, height }, javaScriptEnabled: false, locale: 'vi-VN' });
      try {
        const page = await context.newPage();
        for (const path of ['/cong-khai', '/cong-khai/THCS-LELOI']) {
          const res = await page.goto(server.baseUrl + path);
          expect(res?.status()).toBe(200);
          expect(await page.locator('svg.trend').count()).toBe(3);
          await saveScreenshot(page, `public${path.replace(/\//g, '-')}-${width}`);
          // axe runs as a script of its own: the page's JavaScript stays off, axe's needs it on.
          const scripted = await browser.newContext({ viewport: { width, height }, locale: 'vi-VN' });
          try {
            const checked = await scripted.newPage();
            await checked.goto(server.baseUrl + path);
            const violations = await runAxe(checked, WCAG);
            const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
            if (serious.length)
              throw new Error(`axe found ${serious.length} serious/critical violation(s) on ${path} at ${width} px:\n${formatViolations(serious)}`);
          } finally {
            await scripted.close();
          }
          if (width === 360) {
            const scrollWidth = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth);
            expect(scrollWidth).toBeLessThanOrEqual(width);
          }
        }
      } finally {
        await context.close();
      }
    },
  );
});
