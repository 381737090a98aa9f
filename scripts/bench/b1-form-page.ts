import { autocannonRun, figuresOf, type LoadFigures, type LoadSettings } from './load';
import { forwardedFor } from './http';
import type { RunningServer } from './servers';
import { waitUntilReached } from './settle';

/**
 * B1: `GET /s/:code` on the app against bare express serving the same bytes from memory: same run, same load
 * generator (autocannon), pipelining off, same connections and duration. Each request comes from its own
 * forwarded address (a crowd of phones), so the app's per-IP page-view limit does not turn the run into 429s.
 */
export interface B1Result {
  path: string;
  pageBytes: number;
  app: LoadFigures;
  bare: LoadFigures;
  /** app requests/s divided by bare express requests/s */
  ratio: number;
  settings: LoadSettings;
  /** form views the app served vs what its view counter holds once its queued writes drained, and how long that took */
  views?: { served: number; recorded: number; drainMs: number; drained: boolean };
}

export async function fetchFormPage(baseUrl: string, path: string): Promise<Buffer> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { 'x-forwarded-for': forwardedFor(131071) } });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

function pageLoad(baseUrl: string, path: string, settings: LoadSettings) {
  let n = 0;
  return autocannonRun({
    url: baseUrl,
    ...settings,
    requests: [
      {
        method: 'GET',
        path,
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'x-forwarded-for': forwardedFor(n++) } }),
      },
    ],
  });
}

/**
 * The baseline first (warm-up, then measured), then the app (warm-up, then measured), so the app's queued view
 * writes never run during the baseline. With `viewsOf` (the app's view count of the link), the bench then waits
 * (at most 75 s) for the count to reach the views served and reports how many were recorded and how long it took.
 */
export async function runB1(options: {
  app: RunningServer;
  startBare: (page: Buffer) => Promise<RunningServer>;
  path: string;
  settings: LoadSettings;
  warmupSec?: number;
  viewsOf?: () => Promise<number>;
}): Promise<B1Result> {
  const viewsBefore = (await options.viewsOf?.()) ?? 0;
  const page = await fetchFormPage(options.app.baseUrl, options.path);
  const bare = await options.startBare(page);
  const warmup = { connections: options.settings.connections, durationSec: options.warmupSec ?? 2 };
  let baseline: LoadFigures;
  try {
    await pageLoad(bare.baseUrl, options.path, warmup);
    baseline = figuresOf(await pageLoad(bare.baseUrl, options.path, options.settings));
  } finally {
    await bare.stop();
  }
  const appWarmup = figuresOf(await pageLoad(options.app.baseUrl, options.path, warmup));
  const app = figuresOf(await pageLoad(options.app.baseUrl, options.path, options.settings));
  let views: B1Result['views'];
  if (options.viewsOf) {
    const served = 1 + appWarmup.requests - appWarmup.non2xx + app.requests - app.non2xx;
    // The app writes a link's views at once every 5,000, the rest within a minute (src/forms/view-counter.ts).
    const settled = await waitUntilReached(options.viewsOf, viewsBefore + served, 75_000);
    views = { served, recorded: settled.value - viewsBefore, drainMs: settled.waitedMs, drained: settled.reached };
  }
  return {
    path: options.path,
    pageBytes: page.length,
    app,
    bare: baseline,
    ratio: app.requestsPerSec / baseline.requestsPerSec,
    settings: options.settings,
    ...(views ? { views } : {}),
  };
}
