import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium: browser tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'test-results', 'screenshots');

/** A headless chromium, quiet (no sync, no updates, no background traffic) and usable as root in a container. */
export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`browser tests need Debian's chromium at ${CHROMIUM_PATH} (sudo apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface RunningServer {
  baseUrl: string;
  close(): Promise<void>;
}

/** Serves the express app on 127.0.0.1 at a free port. */
export function listen(app: Express): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => {
              if (error) fail(error);
              else done();
            });
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** What axe reports for one rule that failed; only the fields a failure message needs. */
export interface AxeViolation {
  id: string;
  impact?: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  description: string;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; html: string; failureSummary?: string }[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page and returns its violations. The pages' CSP (`script-src 'self'`) blocks an injected
 * <script>, so the source is evaluated through the DevTools protocol (page.evaluate), which CSP does not govern.
 */
export async function runAxe(page: Page, tags: string[] = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']): Promise<AxeViolation[]> {
  axeSource ??= fs.readFileSync(path.join(path.dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate(async (runOnly) => {
    // No DOM typings in this project (lib ES2022): the page's globals are described by hand.
    const win = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> } };
    const result = await win.axe.run(win.document, { runOnly: { type: 'tag', values: runOnly }, resultTypes: ['violations'] });
    return result.violations;
  }, tags) as Promise<AxeViolation[]>;
}

/** A readable account of violations, for failure messages. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.map((n) => `    - ${JSON.stringify(n.target)} ${n.html}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`).join('\n');
      return `[${v.impact ?? 'n/a'}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n');
}

/** A full-page PNG at test-results/screenshots/<name>.png; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/\.png$/, '')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
