import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { launchBrowser, listen, type RunningServer } from './browser';
import { seedSurveyFixtures, type SurveyFixtures } from './survey-fixtures';
import { createTestContext, type TestContext } from './test-app';

/**
 * The app with the survey fixtures, served on a free port, and Debian's chromium, for one describe block: started
 * before its tests, stopped after them; each test's browser contexts are closed after it.
 */
export interface BrowserSuite {
  ctx: TestContext;
  fx: SurveyFixtures;
  server: RunningServer;
  browser: Browser;
  /** a fresh browser context (its own storage: IndexedDB, caches, service workers), closed after the test */
  newContext(options: BrowserContextOptions): Promise<BrowserContext>;
}

export function browserSuite(): BrowserSuite {
  const contexts: BrowserContext[] = [];
  const suite = {
    async newContext(options: BrowserContextOptions) {
      const context = await suite.browser.newContext(options);
      contexts.push(context);
      return context;
    },
  } as BrowserSuite;
  beforeAll(async () => {
    suite.ctx = await createTestContext();
    suite.fx = await seedSurveyFixtures(suite.ctx.db);
    suite.server = await listen(suite.ctx.app);
    suite.browser = await launchBrowser();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.close();
    await suite.ctx?.close();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  return suite;
}
