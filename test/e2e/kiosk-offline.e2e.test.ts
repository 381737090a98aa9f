import type { BrowserContext, Page } from 'playwright-core';
import { formatViolations, runAxe, saveScreenshot } from '../helpers/browser';
import { browserSuite } from '../helpers/browser-suite';
import { pathOf } from '../helpers/survey-fixtures';
import { waitFor } from '../helpers/wait';

/**
 * The kiosk offline (issue #29), in Debian's chromium with `context.setOffline`: ratings tapped with the network
 * down are queued in IndexedDB and sent when it returns, each stored once, with no reload; through a reload, a new
 * service worker, and two tabs sending the same queue.
 */
jest.setTimeout(120_000);

const KIOSK = 'tthc-quick';
const TABLET = { viewport: { width: 800, height: 1280 }, locale: 'vi-VN' };

/** The page's globals, described by hand: this project compiles without DOM typings. */
type PageGlobals = {
  navigator: { serviceWorker: { controller: unknown; register(url: string, options: { scope: string }): Promise<unknown> } };
  caches: { match(path: string): Promise<unknown> };
  indexedDB: { open(name: string): { onsuccess: (() => void) | null; result: IdbDatabase } };
  location: { pathname: string };
};
type IdbDatabase = { transaction(store: string): { objectStore(store: string): { count(): { onsuccess: (() => void) | null; result: number } } } };

describe('the kiosk offline', () => {
  const suite = browserSuite();
  const path = () => pathOf(suite.fx.instrument(KIOSK), suite.fx.links[KIOSK]!);
  const stored = () => suite.fx.models.Response.countDocuments({ linkCode: suite.fx.links[KIOSK] });

  /** A kiosk opened once online: its worker in control, its page kept, its tokens fetched. */
  async function kiosk(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await suite.newContext(TABLET);
    const page = await context.newPage();
    expect((await page.goto(suite.server.baseUrl + path()))?.status()).toBe(200);
    await page.waitForFunction(() => Boolean((globalThis as unknown as PageGlobals).navigator.serviceWorker.controller));
    await page.waitForFunction(async () => {
      const g = globalThis as unknown as PageGlobals;
      return Boolean(await g.caches.match(g.location.pathname));
    });
    await waitFor(async () => (await countTokens(page)) >= 100, 20_000);
    return { context, page };
  }

  /** The form tokens the kiosk holds for its offline ratings (IndexedDB). */
  async function countTokens(page: Page): Promise<number> {
    return page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const open = (globalThis as unknown as PageGlobals).indexedDB.open('hailong-kiosk');
          open.onsuccess = () => {
            const request = open.result.transaction('tokens').objectStore('tokens').count();
            request.onsuccess = () => {
              resolve(request.result);
            };
          };
        }),
    );
  }

  /** Taps the middle level of every question and sends; waits until the screen counts it as waiting. */
  async function tap(page: Page, waiting: number): Promise<void> {
    for (const label of await page.locator('label[for$="-2"]').all()) await label.click();
    await page.locator('button[type="submit"]').click();
    await page.locator(`#kiosk-queue[data-waiting-count="${waiting}"]`).waitFor({ state: 'attached', timeout: 10_000 });
  }

  it('when 20 ratings are tapped offline with a reload between, then all 20 are stored once within 30 s of the network returning, without a reload', async () => {
    const before = await stored();
    const { context, page } = await kiosk();
    await context.setOffline(true);
    for (let i = 1; i <= 10; i++) await tap(page, i);
    // A reload while offline: the worker serves the kept page, and the queue is still there.
    await page.reload();
    await page.locator('#kiosk-queue[data-waiting-count="10"]').waitFor({ state: 'attached' });
    expect(await page.locator('#kiosk-queue').textContent()).toContain('10 đánh giá chờ gửi');
    for (let i = 11; i <= 20; i++) await tap(page, i);
    await saveScreenshot(page, 'kiosk-offline-waiting');
    const violations = (await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (violations.length) throw new Error(`axe on the offline kiosk:\n${formatViolations(violations)}`);
    expect(await stored()).toBe(before);

    await context.setOffline(false);
    const waited = await waitFor(async () => (await stored()) === before + 20, 30_000, 250);
    expect(waited).toBeLessThan(30_000);
    await page.locator('#kiosk-queue[data-waiting-count="0"]').waitFor({ state: 'attached' });
    expect(await page.locator('#kiosk-queue').isHidden()).toBe(true);
    // Each once: the answers' ids are their tokens' ids, and none is refused.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await stored()).toBe(before + 20);
  });

  it('when the service worker is replaced by a new version while 5 ratings wait, then all 5 arrive', async () => {
    const before = await stored();
    const { context, page } = await kiosk();
    let batches = 0;
    context.on('request', (request) => {
      if (request.url().endsWith('/tokens')) batches += 1;
    });
    // The ratings' posts fail while the new worker takes over (the network is up, the desk's server is not).
    await context.route(`**${path()}`, (route) => (route.request().method() === 'POST' ? route.abort('connectionrefused') : route.fallback()));
    for (let i = 1; i <= 5; i++) await tap(page, i);
    const replaced = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals & { navigator: { serviceWorker: { addEventListener(e: string, f: () => void): void } } };
      const changed = new Promise<boolean>((resolve) => {
        g.navigator.serviceWorker.addEventListener('controllerchange', () => {
          resolve(true);
        });
      });
      await g.navigator.serviceWorker.register('/k/sw.js?version=2', { scope: '/k/' });
      return changed;
    });
    expect(replaced).toBe(true);
    await page.reload();
    await page.locator('#kiosk-queue[data-waiting-count="5"]').waitFor({ state: 'attached' });
    expect(await stored()).toBe(before);
    // The batch fetched at the first visit is still fresh: the reload fetched none.
    expect(batches).toBe(0);
    await context.unrouteAll();
    await waitFor(async () => (await stored()) === before + 5, 30_000, 250);
    await page.locator('#kiosk-queue[data-waiting-count="0"]').waitFor({ state: 'attached' });
  });

  it('when two tabs send the same queue at once, then each rating is still stored once', async () => {
    const before = await stored();
    const { context, page } = await kiosk();
    await context.setOffline(true);
    for (let i = 1; i <= 6; i++) await tap(page, i);
    const second = await context.newPage();
    await second.goto(suite.server.baseUrl + path());
    await second.locator('#kiosk-queue[data-waiting-count="6"]').waitFor({ state: 'attached' });
    await context.setOffline(false);
    await waitFor(async () => (await stored()) === before + 6, 30_000, 250);
    await Promise.all([page, second].map((p) => p.locator('#kiosk-queue[data-waiting-count="0"]').waitFor({ state: 'attached' })));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await stored()).toBe(before + 6);
    expect(await page.locator('#kiosk-queue').getAttribute('data-refused-count')).toBe('0');
  });
});
