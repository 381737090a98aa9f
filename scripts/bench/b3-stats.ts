import mongoose from 'mongoose';
import type { Models } from '../../src/models';
import { readFigureDocs } from '../../src/figures/read-figures';
import { periodOf, shiftPeriod } from '../../src/responses/period';
import { answerOnce, type FormTarget } from './b2-submission';
import { PROXY_HTTPS, signIn } from './http';
import { elapsedMs, mean, percentile } from './stats';

/**
 * B3: latency of the province-wide figures, one request at a time (what one user waits for): `GET /api/v1/stats`
 * with a bearer token and `GET /admin` with a signed-in session, both education, the department, 12 months.
 */
export interface LatencyFigures {
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  maxMs: number;
  requests: number;
  failures: number;
}

/** What the stats read, timed straight on the driver: explains where a request's time goes. */
export interface QueryBreakdown {
  figureDocs: number;
  figureFindMs: number;
  viewDocs: number;
  viewFindMs: number;
  unitFindMs: number;
}

export interface B3Result {
  responses: number;
  api: LatencyFigures;
  admin: LatencyFigures;
  /** `GET /admin`, the overview of the three targets (two survey figures and the dossiers') */
  overview?: LatencyFigures;
  /**
   * The stats API again while answers arrive through the app (ANSWERS_PER_SEC): each changes the current month's
   * figures, so every request decodes and works out that month afresh, where the quiet runs find all 12 months
   * unchanged (figures/decoded-figures.ts).
   */
  apiAnswering?: LatencyFigures & { answered: number };
  queries?: QueryBreakdown;
}

export const STATS_PATH = '/api/v1/stats?kind=education&unit=SGD';
export const DASHBOARD_PATH = '/admin/dashboard?kind=education&unit=SGD';
export const OVERVIEW_PATH = '/admin';

export async function timeRequests(url: string, headers: Record<string, string>, count: number, maxSec: number): Promise<LatencyFigures> {
  const latencies: number[] = [];
  let failures = 0;
  const deadline = Date.now() + maxSec * 1000;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { headers, redirect: 'manual' }).catch(() => undefined);
    if (res) await res.arrayBuffer();
    const ms = elapsedMs(started);
    if (res?.status === 200) latencies.push(ms);
    else failures += 1;
  }
  return {
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    meanMs: mean(latencies),
    maxMs: Math.max(...latencies),
    requests: latencies.length,
    failures,
  };
}

const medianOf3 = async (task: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    await task();
    times.push(elapsedMs(started));
  }
  return percentile(times, 50);
};

/**
 * Reads behind this query, each timed (median of 3): the province's figure documents of the 12 months (what
 * computeStats reads), the link views of the range (a filtered scan, what it no longer reads), the units.
 */
export async function queryBreakdown(models: Models, now: Date): Promise<QueryBreakdown> {
  const to = periodOf(now);
  const period = mongoose.trusted({ $gte: shiftPeriod(to, -11), $lte: to });
  const periods = Array.from({ length: 12 }, (_, i) => shiftPeriod(to, i - 11));
  const figures = () => readFigureDocs(models.Figure, { kind: 'education', scope: 'SGD', periods });
  const viewDocs = (await models.LinkView.find({ period }).lean()).length;
  return {
    figureDocs: (await figures()).length,
    figureFindMs: await medianOf3(figures),
    viewDocs,
    viewFindMs: await medianOf3(() => models.LinkView.find({ period }).lean()),
    unitFindMs: await medianOf3(() => models.Unit.find().lean()),
  };
}

/** How often answers arrive during `apiAnswering`: a busy day's peak for one province, several times over. */
export const ANSWERS_PER_SEC = 5;

/** Runs `task` while `perSec` answers a second go through the app to these forms; how many got their 303. */
async function whileAnswering<T>(appUrl: string, forms: FormTarget[], perSec: number, task: () => Promise<T>): Promise<{ result: T; answered: number }> {
  let running = true;
  let answered = 0;
  const answering = (async () => {
    for (let n = 0; running; n++) {
      const started = Date.now();
      if ((await answerOnce(appUrl, forms[n % forms.length]!, 950_000_000 + n).catch(() => 0)) === 303) answered += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 / perSec - (Date.now() - started))));
    }
  })();
  try {
    return { result: await task(), answered };
  } finally {
    running = false;
    await answering;
  }
}

export async function runB3(options: {
  appUrl: string;
  apiToken: string;
  admin: { email: string; password: string };
  responses: number;
  requests: number;
  warmup?: number;
  maxSecPerEndpoint?: number;
  models?: Models;
  /** forms to answer during `apiAnswering` (none: not measured), `answersPerSec` a second (ANSWERS_PER_SEC) */
  answering?: FormTarget[];
  answersPerSec?: number;
}): Promise<B3Result> {
  const cookie = await signIn(options.appUrl, options.admin.email, options.admin.password);
  const api = { url: `${options.appUrl}${STATS_PATH}`, headers: { authorization: `Bearer ${options.apiToken}` } };
  const dashboard = { url: `${options.appUrl}${DASHBOARD_PATH}`, headers: { ...PROXY_HTTPS, cookie } };
  const overview = { url: `${options.appUrl}${OVERVIEW_PATH}`, headers: dashboard.headers };
  const maxSec = options.maxSecPerEndpoint ?? 300;
  // A couple of warm-up requests (JIT, caches, the session store), at most 30 s each side at large sizes.
  const warmup = options.warmup ?? 2;
  await timeRequests(api.url, api.headers, warmup, Math.min(maxSec, 30));
  await timeRequests(dashboard.url, dashboard.headers, warmup, Math.min(maxSec, 30));
  await timeRequests(overview.url, overview.headers, warmup, Math.min(maxSec, 30));
  const apiFigures = await timeRequests(api.url, api.headers, options.requests, maxSec);
  const adminFigures = await timeRequests(dashboard.url, dashboard.headers, options.requests, maxSec);
  const overviewFigures = await timeRequests(overview.url, overview.headers, options.requests, maxSec);
  if (apiFigures.requests === 0 || adminFigures.requests === 0) throw new Error('B3: the stats API or the dashboard never answered 200');
  const answering = options.answering?.length
    ? await whileAnswering(options.appUrl, options.answering, options.answersPerSec ?? ANSWERS_PER_SEC, () =>
        timeRequests(api.url, api.headers, options.requests, maxSec),
      )
    : undefined;
  return {
    responses: options.responses,
    api: apiFigures,
    admin: adminFigures,
    overview: overviewFigures,
    ...(answering ? { apiAnswering: { ...answering.result, answered: answering.answered } } : {}),
    ...(options.models ? { queries: await queryBreakdown(options.models, new Date()) } : {}),
  };
}
