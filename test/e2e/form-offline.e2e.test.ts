import type { BrowserContext, Page } from 'playwright-core';
import { ratingQuestions } from '../../src/surveys/form-fields';
import { formatViolations, runAxe, saveScreenshot } from '../helpers/browser';
import { browserSuite } from '../helpers/browser-suite';
import { pathOf } from '../helpers/survey-fixtures';
import { waitFor } from '../helpers/wait';

/**
 * A survey form whose post fails for network reasons (issue #29, item 3), in Debian's chromium: the answers stay
 * on the phone, the page says so, and they are sent when the network returns, or when "Gửi lại" is tapped; once.
 */
jest.setTimeout(90_000);

const FORM = 'edu-parent-tieuhoc';
const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' };

describe('a survey form offline', () => {
  const suite = browserSuite();
  const path = () => pathOf(suite.fx.instrument(FORM), suite.fx.links[FORM]!);
  const stored = () => suite.fx.models.Response.countDocuments({ linkCode: suite.fx.links[FORM] });

  /** The form, answered at level 4 throughout, then sent while offline: the notice shows, nothing is stored. */
  async function answeredOffline(): Promise<{ context: BrowserContext; page: Page; before: number }> {
    const before = await stored();
    const context = await suite.newContext(PHONE);
    const page = await context.newPage();
    expect((await page.goto(suite.server.baseUrl + path()))?.status()).toBe(200);
    for (const q of ratingQuestions(suite.fx.instrument(FORM))) await page.locator(`label[for="q-${q.key}-4"]`).click();
    await context.setOffline(true);
    await page.locator('button[type="submit"]').click();
    await page.locator('#form-offline').waitFor({ state: 'visible' });
    expect(await page.locator('#form-offline').textContent()).toContain('Câu trả lời của bạn vẫn được giữ trên máy này');
    expect(new URL(page.url()).pathname).toBe(path());
    expect(await stored()).toBe(before);
    return { context, page, before };
  }

  it('when the post fails offline, then the answers stay and are sent once the network returns, stored once', async () => {
    const { context, page, before } = await answeredOffline();
    await saveScreenshot(page, 'form-offline-360');
    const violations = (await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (violations.length) throw new Error(`axe on the offline form:\n${formatViolations(violations)}`);
    await context.setOffline(false);
    await page.waitForURL(/\/thanks$/, { timeout: 30_000 });
    await waitFor(async () => (await stored()) === before + 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await stored()).toBe(before + 1);
  });

  it('when "Gửi lại" is tapped after the network returns, and the page was reloaded in between, then it is sent, once', async () => {
    const { context, page, before } = await answeredOffline();
    // The network returns but the server cannot be reached yet (the page tries at once, on the `online` event);
    // the page is reloaded: the answers were kept on the phone, not in the page.
    await context.route(`**${path()}`, (route) => (route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.fallback()));
    await context.setOffline(false);
    await page.reload();
    await page.locator('#form-offline').waitFor({ state: 'visible' });
    expect(await stored()).toBe(before);
    await context.unrouteAll();
    await Promise.all([page.waitForURL(/\/thanks$/, { timeout: 30_000 }), page.locator('#form-retry').click()]);
    await waitFor(async () => (await stored()) === before + 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await stored()).toBe(before + 1);
  });
});
