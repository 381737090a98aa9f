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
import { periodOf } from '../../src/responses/period';

/**
 * B2: virtual respondents load a form and post it (the `_token` taken from the page), against the database's own
 * single-document insert rate (a raw-driver loop inserting one response-sized document per call), with the same
 * concurrency and duration, in the same run. A variant posts a comment with every answer and a contact with every
 * tenth. While the app side runs, a freshness probe answers on a link of its own and times how long until a second
 * app instance's figures show it (issue 24: within 2 s).
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

/** From an answer's 303 until a second instance's figures show it, for probe answers posted during the app side. */
export interface Freshness {
  probes: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** probes not seen within the probe's limit (10 s) */
  unseen: number;
}

export interface B2Result {
  app: SubmissionFigures;
  freshness?: Freshness;
  /** what every answer carried besides its ratings */
  carries?: string;
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

/** What an answer carries besides its ratings: nothing, or a comment (and a contact with every tenth). */
export type Extras = (n: number, form: FormTarget) => Record<string, string>;
/**
 * A contact goes only to a survey that offers one: pupils' surveys never do, and the form rightly refuses a field it
 * does not have (422), which the run would count as a failed answer.
 */
export const WITH_COMMENTS: Extras = (n, form) => ({
  comment: `Ý kiến của phụ huynh số ${n}`,
  ...(n % 10 === 0 && form.target.survey.definition.contactAllowed ? { contact_phone: `09${String(n % 1e8).padStart(8, '0')}`, consent_contact: 'yes' } : {}),
});

/** The app: each autocannon connection is a respondent looping GET form -> POST answers (expects 303). */
export async function appSubmissions(baseUrl: string, forms: FormTarget[], settings: LoadSettings, extras?: Extras): Promise<SubmissionFigures> {
  interface Respondent {
    form?: FormTarget;
    n?: number;
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
          respondent.n = n;
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
            body: new URLSearchParams({
              _token: respondent.token ?? '',
              ...respondent.form!.answers,
              ...(extras ? extras(respondent.n!, respondent.form!) : {}),
            }).toString(),
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

/** The response document the app stores for a counted, unflagged submission (the same builder). */
export function responseDocument(form: FormTarget, now: Date): ResponseDoc {
  const { link, unit, survey } = form.target;
  const answers = Object.fromEntries(Object.entries(form.answers).map(([key, value]) => [key, Number(value)]));
  return buildResponse({
    id: responseIdOn(now, `bench-raw-${crypto.randomBytes(16).toString('base64url')}`),
    link,
    unit,
    survey,
    answers,
    lang: 'vi',
    submittedAt: now,
    fillSeconds: 30,
    flags: [],
    hasContact: false,
    synthetic: false,
  });
}

/**
 * The baseline (issues 12 and 24): the database's own insert rate. `concurrency` workers on the bare MongoDB driver
 * (same pool size as the app), each inserting one response-sized document per call for `durationSec`, into the same
 * database in the same run. Everything the app does beyond that one insert (HTTP, validation, its inbox item, and
 * the projector's batches: cluster counters, figures, lists) is what the ratio measures.
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
    return {
      submissionsPerSec: latencies.length / durationSec,
      stored: latencies.length,
      failed,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      durationSec,
    };
  } finally {
    await client.close();
  }
}

/** How often the freshness probe reads the second instance's figures. */
export const POLL_MS = 100;

/**
 * Freshness: while `running()`, one probe answer at a time on a link nothing else answers, through the app; from
 * its 303, the second instance's `/api/v1/stats` for the link's unit is read every 100 ms until its n has grown.
 * The reader has no answers of its own to wait for, so what it shows is what the projector has applied. A delay is
 * when the growth was seen, so it may be up to 100 ms late, never early. The reads cost the reader CPU on the same
 * two cores as the app: read every 25 ms (until session 12), they were about 40 figure requests a second, which
 * cost the reader 1.6-2.4 CPU seconds in a 10 s run, taken from the answers the run measures.
 */
export async function probeFreshness(options: {
  appUrl: string;
  readerUrl: string;
  probe: FormTarget;
  apiToken: string;
  running: () => boolean;
}): Promise<Freshness> {
  const { target } = options.probe;
  const period = periodOf(new Date());
  const statsUrl = `${options.readerUrl}/api/v1/stats?kind=${target.survey.kind}&unit=${target.unit.code}&from=${period}&to=${period}`;
  const headers = { authorization: `Bearer ${options.apiToken}` };
  const n = async () => ((await (await fetch(statsUrl, { headers })).json()) as { headline: { n: number } }).headline.n;
  const delays: number[] = [];
  let unseen = 0;
  let k = 0;
  while (options.running()) {
    const before = await n();
    if ((await answerOnce(options.appUrl, options.probe, 900_000_000 + k++)) !== 303) continue;
    const t0 = process.hrtime.bigint();
    let seen = false;
    while (elapsedMs(t0) < 10_000) {
      if ((await n()) > before) {
        seen = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (seen) delays.push(elapsedMs(t0));
    else unseen += 1;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { probes: delays.length + unseen, p50Ms: percentile(delays, 50), p95Ms: percentile(delays, 95), maxMs: Math.max(0, ...delays), unseen };
}

/** One respondent through the app: the form, then its answers (respondent `n` sets the forwarded address). The POST's status. */
export async function answerOnce(appUrl: string, form: FormTarget, n: number): Promise<number> {
  const ip = forwardedFor(n);
  const page = await fetch(`${appUrl}${form.path}`, { headers: { 'x-forwarded-for': ip } });
  const token = tokenFrom(await page.text()) ?? '';
  const posted = await fetch(`${appUrl}${form.path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
    body: new URLSearchParams({ _token: token, ...form.answers }).toString(),
  });
  await posted.arrayBuffer();
  return posted.status;
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
  /** what every answer carries besides its ratings, and its name for the report */
  extras?: { carries: string; fields: Extras };
  /** a second instance to read from, a link nothing else answers and a token: measures freshness during the app side */
  freshness?: { readerUrl: string; probe: FormTarget; apiToken: string };
}): Promise<B2Result> {
  const warmup = { connections: options.settings.connections, durationSec: options.warmupSec ?? 2 };
  const checked = async () => {
    if (!options.rollups) return undefined;
    const check = await options.rollups.check();
    if (check.differences) await options.rollups.repair();
    return check;
  };
  const extras = options.extras?.fields;
  await appSubmissions(options.appUrl, options.forms, warmup, extras);
  let running = true;
  const measured = appSubmissions(options.appUrl, options.forms, options.settings, extras).finally(() => (running = false));
  const probing = options.freshness ? probeFreshness({ appUrl: options.appUrl, ...options.freshness, running: () => running }) : undefined;
  const [app, freshness] = await Promise.all([measured, probing]);
  const appDrainMs = await options.drain?.();
  const appCheck = await checked();
  await rawDriverWrites(options.uri, options.forms, warmup);
  const raw = await rawDriverWrites(options.uri, options.forms, options.settings);
  const rawCheck = await checked();
  return {
    app,
    ...(freshness ? { freshness } : {}),
    ...(options.extras ? { carries: options.extras.carries } : {}),
    raw,
    ...(appCheck && rawCheck ? { rollups: { app: appCheck, raw: rawCheck } } : {}),
    ...(appDrainMs === undefined ? {} : { appDrainMs }),
    ratio: app.submissionsPerSec / raw.submissionsPerSec,
    forms: options.forms.length,
    settings: options.settings,
  };
}
