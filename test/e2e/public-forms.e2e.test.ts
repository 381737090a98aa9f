import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { ratingQuestions } from '../../src/surveys/form-fields';
import type { InstrumentDefinition } from '../../src/surveys/instrument.types';
import { formatViolations, launchBrowser, listen, runAxe, saveScreenshot, type RunningServer } from '../helpers/browser';
import { pathOf, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { waitFor } from '../helpers/wait';

/**
 * The public forms in a real browser (Debian's chromium) on a small phone: accessibility (axe, WCAG 2.1 A/AA),
 * no sideways scrolling, keyboard-only use, visible focus, and posting without JavaScript.
 */
jest.setTimeout(60_000);

const WIDTH = 360;
const PHONE: BrowserContextOptions = { viewport: { width: WIDTH, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' };
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FORM = 'edu-parent-tieuhoc';
const KIOSK = 'tthc-quick';
const REQUIRED_ERROR = 'Vui lòng chọn một mức.';

/** The page's globals, described by hand: this project compiles without DOM typings. */
type PageGlobals = { document: { documentElement: { scrollWidth: number } } };

describe('public forms in a browser (360 px phone)', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
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

  async function open(key: string, options: BrowserContextOptions = {}): Promise<{ page: Page; instrument: InstrumentDefinition; path: string }> {
    const context = await browser.newContext({ ...PHONE, ...options });
    contexts.push(context);
    const page = await context.newPage();
    const instrument = fx.instrument(key);
    const path = pathOf(instrument, fx.links[key]!);
    const res = await page.goto(server.baseUrl + path);
    expect(res?.status()).toBe(200);
    return { page, instrument, path };
  }

  const storedFor = (key: string) => fx.models.Response.countDocuments({ linkCode: fx.links[key] });

  async function expectNoSeriousViolations(page: Page, what: string): Promise<void> {
    const violations = await runAxe(page, WCAG);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (serious.length) throw new Error(`axe found ${serious.length} serious/critical violation(s) on ${what}:\n${formatViolations(serious)}`);
    if (violations.length) console.warn(`axe (minor/moderate) on ${what}:\n${formatViolations(violations)}`);
  }

  async function expectNoHorizontalScroll(page: Page): Promise<void> {
    const scrollWidth = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(WIDTH);
  }

  /** Presses Tab until a radio of a question that has no answer yet has focus; returns its name (null at the button). */
  async function tabToNextUnansweredGroup(page: Page, answered: Set<string>): Promise<string | null> {
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press('Tab');
      const focused = page.locator(':focus');
      if ((await focused.count()) === 0) continue;
      const [tag, type, name] = await focused.evaluate((el) => {
        const e = el as unknown as { tagName: string; type?: string; name?: string };
        return [e.tagName.toLowerCase(), e.type ?? '', e.name ?? ''];
      });
      if (tag === 'input' && type === 'radio' && !answered.has(name)) return name;
      if (tag === 'button' && type === 'submit') return null;
    }
    throw new Error('Tab never reached a question or the submit button');
  }

  describe.each([
    [FORM, 'form-360'],
    [KIOSK, 'kiosk-360'],
  ])('%s', (key, shot) => {
    it('when opened on a phone, then axe finds no serious or critical WCAG 2.1 AA violation and nothing scrolls sideways', async () => {
      const { page, path } = await open(key);
      expect(path.startsWith(key === KIOSK ? '/k/' : '/s/')).toBe(true);
      await saveScreenshot(page, shot);
      await expectNoSeriousViolations(page, path);
      await expectNoHorizontalScroll(page);
    });
  });

  it('when the form is filled and sent with the keyboard only, then it lands on thanks and one response is stored', async () => {
    const { page, instrument } = await open(FORM);
    const questions = ratingQuestions(instrument).map((q) => q.key);
    const answered = new Set<string>();
    // Every question: Tab into its radio group (focus lands on level 1), then the arrow keys choose level 4.
    for (;;) {
      const name = await tabToNextUnansweredGroup(page, answered);
      if (name === null) break;
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      expect(await page.locator(':focus').getAttribute('value')).toBe('4');
      answered.add(name);
    }
    expect([...answered].sort()).toEqual([...questions].sort());
    expect(await page.locator(`input[name="${instrument.overall.key}"]:checked`).getAttribute('value')).toBe('4');

    // Focus is on the submit button now.
    expect(await page.locator(':focus').getAttribute('type')).toBe('submit');
    await Promise.all([page.waitForURL(/\/thanks$/), page.keyboard.press('Enter')]);
    expect(await page.locator('h1').textContent()).toContain('Cảm ơn bạn!');

    const stored = await fx.models.Response.find({ linkCode: fx.links[FORM] }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.overall).toBe(4);
    expect(Object.keys(stored[0]!.answers)).toHaveLength(questions.length);
  });

  it('when a radio gets keyboard focus, then its label shows a visible outline', async () => {
    const { page } = await open(FORM);
    const name = await tabToNextUnansweredGroup(page, new Set());
    expect(name).not.toBeNull();
    const id = await page.locator(':focus').getAttribute('id');
    const outline = await page.locator(`label[for="${id}"]`).evaluate((el) => {
      const view = (el as unknown as { ownerDocument: { defaultView: { getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string } } } })
        .ownerDocument.defaultView;
      const style = view.getComputedStyle(el);
      return { style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(outline.style).not.toBe('none');
    expect(parseFloat(outline.width)).toBeGreaterThan(0);
  });

  it('when JavaScript is off, then tapping labels and the button still sends the form', async () => {
    const before = await storedFor(FORM);
    const { page, instrument } = await open(FORM, { javaScriptEnabled: false });
    for (const q of ratingQuestions(instrument)) await page.locator(`label[for="q-${q.key}-5"]`).click();
    await Promise.all([page.waitForURL(/\/thanks$/), page.locator('button[type="submit"]').click()]);
    expect(await page.locator('h1').textContent()).toContain('Cảm ơn bạn!');
    expect(await storedFor(FORM)).toBe(before + 1);
  });

  it('when the overall question is left out, then the page comes back with the error beside it and the other answers kept', async () => {
    const before = await storedFor(FORM);
    const { page, instrument, path } = await open(FORM);
    const others = ratingQuestions(instrument).filter((q) => q.key !== instrument.overall.key);
    for (const q of others) await page.locator(`label[for="q-${q.key}-3"]`).click();
    // With scripts the form is sent by fetch first (issue #29); a refusal is then posted the usual way, and that
    // navigation brings the server's page with the errors.
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(path) && r.request().isNavigationRequest()),
      page.locator('button[type="submit"]').click(),
    ]);
    expect(response.status()).toBe(422);
    await page.waitForLoadState('domcontentloaded');
    expect(new URL(page.url()).pathname).toBe(path);

    const overall = page.locator('fieldset.q', { has: page.locator(`legend#q-${instrument.overall.key}`) });
    await expect(overall.getAttribute('class')).resolves.toContain('has-error');
    const error = overall.locator(`#q-${instrument.overall.key}-err`);
    expect(await error.isVisible()).toBe(true);
    expect((await error.textContent())?.trim()).toBe(REQUIRED_ERROR);
    expect(await overall.getAttribute('aria-describedby')).toBe(`q-${instrument.overall.key}-err`);
    expect(await page.locator('.banner[role="alert"]').count()).toBe(1);

    for (const q of others) expect(await page.locator(`#q-${q.key}-3`).isChecked()).toBe(true);
    expect(await page.locator(`input[name="${instrument.overall.key}"]:checked`).count()).toBe(0);
    expect(await page.locator('.err').count()).toBe(1);
    expect(await storedFor(FORM)).toBe(before);

    await saveScreenshot(page, 'form-error-360');
    await expectNoSeriousViolations(page, `${path} (with an error)`);
    await expectNoHorizontalScroll(page);
  });

  it('when the kiosk is answered by tapping, then it thanks on the spot, stores the rating and shows a fresh form', async () => {
    const before = await storedFor(KIOSK);
    const { page, instrument, path } = await open(KIOSK);
    for (const q of ratingQuestions(instrument)) await page.locator(`label[for="q-${q.key}-3"]`).click();
    await page.locator('button[type="submit"]').click();
    // With scripts the page queues the rating and sends it itself (issue #29): no navigation.
    await page.locator('#kiosk-thanks').waitFor({ state: 'visible' });
    expect(await page.locator('#kiosk-thanks').textContent()).toContain('Cảm ơn bạn đã đánh giá!');
    await waitFor(async () => (await storedFor(KIOSK)) === before + 1, 15_000);
    expect(new URL(page.url()).pathname).toBe(path);
    expect(await page.locator('input[type="radio"]:checked').count()).toBe(0);
    await page.locator('#kiosk-thanks').waitFor({ state: 'hidden' });
  });

  it('when the kiosk is answered without JavaScript, then it thanks and returns to a fresh form by itself after 5 s', async () => {
    const before = await storedFor(KIOSK);
    const { page, instrument, path } = await open(KIOSK, { javaScriptEnabled: false });
    for (const q of ratingQuestions(instrument)) await page.locator(`label[for="q-${q.key}-3"]`).click();
    await Promise.all([page.waitForURL(/\/thanks$/), page.locator('button[type="submit"]').click()]);
    expect(await page.locator('h1').textContent()).toContain('Cảm ơn bạn đã đánh giá!');
    expect(await storedFor(KIOSK)).toBe(before + 1);
    await page.waitForURL((url) => url.pathname === path, { timeout: 15_000 });
    expect(await page.locator('input[type="radio"]:checked').count()).toBe(0);
  });
});
