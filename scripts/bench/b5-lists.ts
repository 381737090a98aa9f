import crypto from 'node:crypto';
import type { Collection } from 'mongoose';
import { recountLists } from '../../src/projector/recount';
import type { Models } from '../../src/models';
import { responseIdOn } from '../../src/responses/response-id';
import type { ResponseDoc } from '../../src/responses/response.model';
import { syntheticResponses, type SyntheticTarget } from '../../src/seed/synthetic-responses';
import type { LatencyFigures } from './b3-stats';
import { PROXY_HTTPS, signIn } from './http';
import { readRss, type RssSampler } from './rss';
import { elapsedMs, mean, percentile, round, sizeLabel } from './stats';
import { isDuplicateKey } from '../../src/data/write-once';

/**
 * B5 (issue 12): the admin lists and the raw export at a province's scale, one request at a time (what one admin
 * waits for). The first page of `GET /admin/comments` and `GET /admin/review`, province-wide, education, the
 * default 12 months; then the CSV export of those 12 months for the province, read to the end as a client would,
 * with the app's peak RSS over it. The synthetic seed has no flagged answers, so B5 adds one per 100 responses
 * (a fifth of them in clusters of 40 from one address), stored as submissions store flagged answers (uncounted)
 * and indexed in bulk like the seed's comments.
 */
export const COMMENTS_PATH = '/admin/comments?kind=education&unit=SGD';
export const REVIEW_PATH = '/admin/review?kind=education&unit=SGD';
export const EXPORT_PATH = '/admin/export/responses.csv?kind=education&unit=SGD';
const FLAGGED_SEED = 60602;
const CLUSTER_BLOCK = 200; // flagged answers n..n+199 share one cluster of 40 (every fifth)

export interface B5Result {
  responses: number;
  flagged: number;
  comments: LatencyFigures;
  review: LatencyFigures;
  export: { status: number; ms: number; firstRowMs?: number; bytes: number; rows: number; peakRssBytes?: number; rssBeforeBytes?: number };
}

/**
 * Flagged answer number `n`: a single (too fast, honeypot, same device) or, every fifth, a member of its block's
 * cluster: the block's first answer sent again from one address (same link, same minute, same ratings).
 */
function flaggedAnswer(r: ResponseDoc, n: number, template: ResponseDoc): ResponseDoc {
  const rest = `syn-${FLAGGED_SEED}-${n}`;
  if (n % 5 !== 0)
    return { ...r, _id: responseIdOn(r.submittedAt, rest), counted: false, flags: [(['too_fast', 'honeypot', 'repeat_device'] as const)[n % 3]!] };
  const addressHash = crypto
    .createHash('sha256')
    .update(`bench-cluster-${Math.floor(n / CLUSTER_BLOCK)}`)
    .digest('base64url')
    .slice(0, 22);
  return { ...template, _id: responseIdOn(template.submittedAt, rest), counted: false, addressHash, flags: ['burst'] };
}

/** Adds flagged answers number `from`..`to - 1` (ids "~<day>~syn-60602-<n>"), deterministic like the seed. */
export async function seedFlagged(models: Models, targets: SyntheticTarget[], options: { from: number; to: number; lastPeriod: string }): Promise<number> {
  const raw = models.Response.collection as unknown as Collection<ResponseDoc>;
  for (let from = options.from; from < options.to; from += 1000) {
    const to = Math.min(options.to, from + 1000);
    const made = syntheticResponses(targets, { from, to }, options.lastPeriod, FLAGGED_SEED);
    const batch = made.map((r, i) => {
      const n = from + i;
      const first = n - (n % CLUSTER_BLOCK);
      const template = first >= from ? made[first - from]! : syntheticResponses(targets, { from: first, to: first + 1 }, options.lastPeriod, FLAGGED_SEED)[0]!;
      return flaggedAnswer(r, n, template);
    });
    await raw.insertMany(batch as never[], { ordered: false }).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
  }
  await recountLists(models.Response.db, { fix: true });
  return Math.max(0, options.to - options.from);
}

async function timePage(url: string, cookie: string, count: number, maxSec: number): Promise<LatencyFigures> {
  const latencies: number[] = [];
  let failures = 0;
  const deadline = Date.now() + maxSec * 1000;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { headers: { ...PROXY_HTTPS, cookie }, redirect: 'manual' }).catch(() => undefined);
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

/** Reads the export to its end as a client does, counting bytes and records (CRLF-terminated lines). */
export async function readExport(url: string, cookie: string): Promise<B5Result['export']> {
  const started = process.hrtime.bigint();
  const res = await fetch(url, { headers: { ...PROXY_HTTPS, cookie }, redirect: 'manual' });
  let bytes = 0;
  let lines = 0;
  let firstRowMs: number | undefined;
  for await (const chunk of res.body ?? []) {
    const buf = chunk as Uint8Array;
    bytes += buf.length;
    for (const byte of buf) if (byte === 10) lines += 1;
    // The header line ends with the first line break: a second one means a whole data row has arrived.
    if (firstRowMs === undefined && lines >= 2) firstRowMs = elapsedMs(started);
  }
  return { status: res.status, ms: elapsedMs(started), ...(firstRowMs === undefined ? {} : { firstRowMs }), bytes, rows: Math.max(0, lines - 1) };
}

export async function runB5(options: {
  appUrl: string;
  admin: { email: string; password: string };
  models: Models;
  targets: SyntheticTarget[];
  lastPeriod: string;
  responses: number;
  /** flagged answers already added by an earlier (smaller) size */
  flaggedFrom: number;
  requests: number;
  warmup?: number;
  maxSecPerEndpoint?: number;
  rss?: RssSampler;
}): Promise<B5Result> {
  const flagged = Math.floor(options.responses / 100);
  await seedFlagged(options.models, options.targets, { from: options.flaggedFrom, to: flagged, lastPeriod: options.lastPeriod });
  const cookie = await signIn(options.appUrl, options.admin.email, options.admin.password);
  const maxSec = options.maxSecPerEndpoint ?? 300;
  const warmup = options.warmup ?? 2;
  const comments = `${options.appUrl}${COMMENTS_PATH}`;
  const review = `${options.appUrl}${REVIEW_PATH}`;
  await timePage(comments, cookie, warmup, Math.min(maxSec, 30));
  await timePage(review, cookie, warmup, Math.min(maxSec, 30));
  const result = {
    responses: options.responses,
    flagged,
    comments: await timePage(comments, cookie, options.requests, maxSec),
    review: await timePage(review, cookie, options.requests, maxSec),
  };
  // The export's own memory phase: the sampler's high-water mark is reset here and read when it ends.
  options.rss?.phase(`B5 lists at ${options.responses}`);
  const rssBeforeBytes = options.rss ? readRss(options.rss.pid) : undefined;
  const exported = await readExport(`${options.appUrl}${EXPORT_PATH}`, cookie);
  const peakRssBytes = options.rss?.phase(`B5 CSV export at ${options.responses}`);
  return {
    ...result,
    export: { ...exported, ...(peakRssBytes === undefined ? {} : { peakRssBytes }), ...(rssBeforeBytes === undefined ? {} : { rssBeforeBytes }) },
  };
}

const MB = 1e6;
const ms = (value: number) => `${round(value, value < 10 ? 1 : 0)} ms`;
const count = sizeLabel;

/** The issue's B5 targets against what was measured (report.ts lists them with the others). */
export function b5Verdicts(
  results: B5Result[],
): Array<{ case: string; measured: string; target: string; status: 'PASS' | 'MISS' | 'NOT RUN'; reason?: string }> {
  const largest = [...results].sort((a, b) => a.responses - b.responses).pop();
  if (!largest) {
    return ['B5 GET /admin/comments first page p95', 'B5 GET /admin/review first page p95', 'B5 CSV export of a year: peak server RSS'].map((name) => ({
      case: name,
      measured: '–',
      target: name.includes('RSS') ? '≤ 250 MB at 1M' : '≤ 500 ms at 1M',
      status: 'NOT RUN' as const,
    }));
  }
  const at1M = largest.responses === 1_000_000;
  const notRun = (within: boolean) =>
    at1M ? {} : { reason: `1M not run; at ${count(largest.responses)} (the largest size run) it is ${within ? 'within' : 'over'} the target` };
  const page = (name: string, figures: LatencyFigures) => ({
    case: `B5 GET ${name} first page p95 at ${count(largest.responses)}`,
    measured: ms(figures.p95Ms),
    target: '≤ 500 ms at 1M',
    status: at1M ? (figures.p95Ms <= 500 && figures.failures === 0 ? 'PASS' : 'MISS') : ('NOT RUN' as const),
    ...notRun(figures.p95Ms <= 500),
  });
  const peak = largest.export.peakRssBytes;
  return [
    page('/admin/comments', largest.comments),
    page('/admin/review', largest.review),
    {
      case: `B5 CSV export of a year (${largest.export.rows} rows): peak server RSS at ${count(largest.responses)}`,
      measured: peak === undefined ? '–' : `${round(peak / MB, 0)} MB (${round(largest.export.ms / 1000, 1)} s)`,
      target: '≤ 250 MB at 1M',
      status: peak === undefined || largest.export.status !== 200 ? 'MISS' : at1M ? (peak <= 250 * MB ? 'PASS' : 'MISS') : 'NOT RUN',
      ...(peak === undefined ? {} : notRun(peak <= 250 * MB)),
    },
  ] as ReturnType<typeof b5Verdicts>;
}

/** The B5 section of docs/benchmarks.md. */
export function b5Markdown(results: B5Result[]): string {
  const rows = results.map((r) =>
    [
      count(r.responses),
      r.flagged,
      ms(r.comments.p50Ms),
      ms(r.comments.p95Ms),
      ms(r.review.p50Ms),
      ms(r.review.p95Ms),
      r.comments.requests,
      r.export.firstRowMs === undefined ? '–' : `${round(r.export.firstRowMs / 1000, 1)} s`,
      `${round(r.export.ms / 1000, 1)} s`,
      r.export.rows,
      `${round(r.export.bytes / MB, 1)} MB`,
      r.export.peakRssBytes === undefined ? '–' : `${round(r.export.peakRssBytes / MB, 0)} MB`,
      r.export.rssBeforeBytes === undefined ? '–' : `${round(r.export.rssBeforeBytes / MB, 0)} MB`,
    ].join(' | '),
  );
  return [
    `## B5 comment and review lists, raw export\n\nOne request at a time after 2 warm-up requests: \`GET ${COMMENTS_PATH}\` and \`GET ${REVIEW_PATH}\` (signed-in super admin, default 12 months, first page), then \`GET ${EXPORT_PATH}\` read to its end. The lists come from the list index (src/review/); the export streams the responses sorted by day with bounded memory, reading one day at a time (src/exports/responses-by-day.ts). Flagged answers added for the review list: one per 100 responses, a fifth of them in clusters of 40. "peak RSS" is the app's during the export alone (its own sampler phase, the kernel's high-water mark reset at its start); "RSS before" is the app's RSS just before it, what the app held already.`,
    `| responses | flagged | comments p50 | comments p95 | review p50 | review p95 | requests each | export's first row | export took | export rows | export size | peak RSS | RSS before |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n${rows.map((r) => `| ${r} |`).join('\n')}`,
  ].join('\n\n');
}
