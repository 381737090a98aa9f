import crypto from 'node:crypto';
import mongoose from 'mongoose';
import type { ResponseDoc } from '../../src/responses/response.model';
import { responseIdOn } from '../../src/responses/response-id';
import { buildResponse } from '../../src/answers/build-response';
import type { SyntheticTarget } from '../../src/seed/synthetic-responses';
import { ratingQuestions } from '../../src/surveys/form-fields';
import { autocannonRun, type LoadSettings } from './load';
import { forwardedFor, tokenFrom } from './http';
import type { RollupCheck } from './rollup-check';
import { elapsedMs, percentile } from './stats';

/**
 * B2: virtual respondents load a form and post it (the `_token` taken from the page), against a raw-driver loop
 * doing the database work of one submission (the address-cluster counter's `$inc`, the journal mark, the response
 * insert, the rollup `$inc` upsert, the mark's removal, the cluster re-read), with the same concurrency and duration.
 */
export interface FormTarget {
  path: string;
  /** every rating question answered, as a browser posts them */
  answers: Record<string, string>;
  target: SyntheticTarget;
}

export interface SubmissionFigures {
  submissionsPerSec: number;
  stored: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  durationSec: number;
}

export interface B2Result {
  app: SubmissionFigures;
  raw: SubmissionFigures;
  /** rebuilt vs incremental rollups after each side (when a check was given); differences are then repaired */
  rollups?: { app: RollupCheck; raw: RollupCheck };
  /** how long the app's queued view writes took to drain after its side (when a drain was given) */
  appDrainMs?: number;
  /** app submissions/s divided by raw-driver submissions/s */
  ratio: number;
  forms: number;
  settings: LoadSettings;
}

/** Up to `count` form links (not kiosks) spread over the province, each with a full set of answers. */
export function formTargets(targets: SyntheticTarget[], count: number): FormTarget[] {
  const forms = targets.filter((t) => t.link.channel === 'form');
  const step = Math.max(1, Math.floor(forms.length / count));
  return forms
    .filter((_, i) => i % step === 0)
    .slice(0, count)
    .map((target) => {
      const { scale } = target.survey.definition;
      const answers = Object.fromEntries(ratingQuestions(target.survey.definition).map((q, i) => [q.key, String(scale - (i % 3 === 2 ? 1 : 0))]));
      return { path: `/s/${target.link.code}`, answers, target };
    });
}

/**
 * Respondents' numbers, across every run of this process (warm-up and measurement): each answer comes from its own
 * address, as parents on mobile data do, and never from one the warm-up used (a second answer from an address
 * within the hour is the school Wi-Fi case, counted in its address cluster with an atomic update instead of an insert).
 */
let cycle = 0;
/** Starts numbering respondents at `n` (a run on a kept database: addresses the earlier runs did not use). */
export const skipRespondents = (n: number) => {
  cycle = Math.max(cycle, n);
};
export const respondentsSoFar = () => cycle;

/** The app: each autocannon connection is a respondent looping GET form -> POST answers (expects 303). */
export async function appSubmissions(baseUrl: string, forms: FormTarget[], settings: LoadSettings): Promise<SubmissionFigures> {
  interface Respondent {
    form?: FormTarget;
    ip?: string;
    token?: string;
    postedAt?: bigint;
  }
  let stored = 0;
  let failed = 0;
  const latencies: number[] = [];
  const result = await autocannonRun({
    url: baseUrl,
    ...settings,
    requests: [
      {
        method: 'GET',
        setupRequest: (request, context) => {
          const respondent = context as Respondent;
          const n = cycle++;
          respondent.form = forms[n % forms.length]!;
          respondent.ip = forwardedFor(n);
          return { ...request, path: respondent.form.path, headers: { ...request.headers, 'x-forwarded-for': respondent.ip } };
        },
        onResponse: (_status, body, context) => {
          (context as Respondent).token = tokenFrom(body) ?? '';
        },
      },
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const respondent = context as Respondent;
          respondent.postedAt = process.hrtime.bigint();
          return {
            ...request,
            path: respondent.form!.path,
            headers: { ...request.headers, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': respondent.ip! },
            body: new URLSearchParams({ _token: respondent.token ?? '', ...respondent.form!.answers }).toString(),
          };
        },
        onResponse: (status, _body, context) => {
          const respondent = context as Respondent;
          if (respondent.postedAt !== undefined) latencies.push(elapsedMs(respondent.postedAt));
          if (status === 303) stored += 1;
          else failed += 1;
        },
      },
    ],
  });
  return {
    submissionsPerSec: stored / Math.max(0.001, result.duration),
    stored,
    failed: failed + result.errors,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    durationSec: result.duration,
  };
}

/** The response document submitResponse writes for a counted, unflagged submission (the same builder). */
export function responseDocument(form: FormTarget, now: Date): ResponseDoc {
  const { link, unit, survey } = form.target;
  const answers = Object.fromEntries(Object.entries(form.answers).map(([key, value]) => [key, Number(value)]));
  return buildResponse({ id: responseIdOn(now, `bench-raw-${crypto.randomBytes(16).toString('base64url')}`), link, unit, survey, answers, lang: 'vi', submittedAt: now, fillSeconds: 30, flags: [], hasContact: false, synthetic: false });
}

/**
 * The baseline (issue 12): the database's own insert rate. `concurrency` workers on the bare MongoDB driver (same
 * pool size as the app), each inserting one response-sized document per call for `durationSec`, into the same
 * database in the same run. Everything the app does beyond that one insert (cluster counter, change mark, figure
 * increments, mark removal, HTTP, validation) is what the ratio measures.
 */
export async function rawDriverWrites(uri: string, forms: FormTarget[], settings: LoadSettings, maxSubmissions = 1_000_000): Promise<SubmissionFigures> {
  const client = new mongoose.mongo.MongoClient(uri, { maxPoolSize: 20 });
  await client.connect();
  try {
    const db = client.db();
    const responses = db.collection<{ _id: string }>('responses');
    const latencies: number[] = [];
    let next = 0;
    let failed = 0;
    const started = process.hrtime.bigint();
    const deadline = Date.now() + settings.durationSec * 1000;
    const worker = async () => {
      while (Date.now() < deadline && next < maxSubmissions) {
        const form = forms[next++ % forms.length]!;
        const t0 = process.hrtime.bigint();
        try {
          const now = new Date();
          // Not counted: the baseline writes the answer only, so the figures' check after it stays meaningful.
          await responses.insertOne({ ...responseDocument(form, now), counted: false } as unknown as { _id: string });
          latencies.push(elapsedMs(t0));
        } catch {
          failed += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: settings.connections }, worker));
    const durationSec = elapsedMs(started) / 1000;
    return { submissionsPerSec: latencies.length / durationSec, stored: latencies.length, failed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), durationSec };
  } finally {
    await client.close();
  }
}

/**
 * Warm-up and measurement of the app, then of the raw driver. With `rollups`, the rollups are checked against a
 * rebuild after each side (warm-up included) and repaired before the next step, so each side answers for itself.
 */
export async function runB2(options: {
  appUrl: string;
  uri: string;
  forms: FormTarget[];
  settings: LoadSettings;
  warmupSec?: number;
  rollups?: { check(): Promise<RollupCheck>; repair(): Promise<void> };
  /** waits for the app's fire-and-forget writes to finish, so they do not run during the baseline */
  drain?: () => Promise<number>;
}): Promise<B2Result> {
  const warmup = { connections: options.settings.connections, durationSec: options.warmupSec ?? 2 };
  const checked = async () => {
    if (!options.rollups) return undefined;
    const check = await options.rollups.check();
    if (check.differences) await options.rollups.repair();
    return check;
  };
  await appSubmissions(options.appUrl, options.forms, warmup);
  const app = await appSubmissions(options.appUrl, options.forms, options.settings);
  const appDrainMs = await options.drain?.();
  const appCheck = await checked();
  await rawDriverWrites(options.uri, options.forms, warmup);
  const raw = await rawDriverWrites(options.uri, options.forms, options.settings);
  const rawCheck = await checked();
  return {
    app,
    raw,
    ...(appCheck && rawCheck ? { rollups: { app: appCheck, raw: rawCheck } } : {}),
    ...(appDrainMs === undefined ? {} : { appDrainMs }),
    ratio: app.submissionsPerSec / raw.submissionsPerSec,
    forms: options.forms.length,
    settings: options.settings,
  };
}
