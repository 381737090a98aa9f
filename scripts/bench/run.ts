/**
 * npm run bench [-- --sizes 10000,100000 --units 500 --duration 10 --connections 10 --b3-requests 20 --b3-max-sec 90
 *                   --subscriptions 500 --b4-budget 300 --b7-members 400 --log-level info --verify-max 100000 --profile --keep
 *                   --out docs/benchmarks.md]
 * Starts its own FerretDB in a temporary directory (unless MONGODB_URI is set: then the database "hailong_bench"
 * on that server), seeds a 500-unit province, runs B1–B7 against `node dist/src/server.js` in a child process,
 * prints the verdicts and writes docs/benchmarks.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../../src/db';
import { PROJECT_ROOT, startFerretDb, type EmbeddedDatabase } from '../../src/embedded-db/ferretdb';
import { createLogger } from '../../src/logger';
import { createModels, type Models } from '../../src/models';
import { periodOf, shiftPeriod } from '../../src/responses/period';
import { rebuildRollups } from '../../src/figures/rebuild';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { runB1, type B1Result } from './b1-form-page';
import { formTargets, runB2, WITH_COMMENTS } from './b2-submission';
import { runB3, STATS_PATH, timeRequests } from './b3-stats';
import { runB4 } from './b4-monthly';
import { runB5 } from './b5-lists';
import { runB7ClusterDecision } from './b7-cluster-decision';
import { runB7Reorganisation } from './b7-reorganisation';
import { FINDINGS } from './findings';
import { waitForOk } from './http';
import { waitUntilStable } from './settle';
import { machineInfo } from './machine';
import { profileInProcess, readNewestProfile, topFrames, type Frame } from './profile';
import { progressBar } from './progress';
import { setupBenchData, type BenchData } from './province';
import { consoleTable, DEFAULT_SIZES, renderMarkdown, verdicts, type BenchReport } from './report';
import { checkRollups, repairRollups } from './rollup-check';
import { readPeakRss, RssSampler } from './rss';
import { growResponses } from './seed';
import { startAppProcess, startBareProcess, startScriptNodeFlags, type RunningServer } from './servers';

interface Args {
  sizes: number[];
  units: number;
  durationSec: number;
  connections: number;
  b3Requests: number;
  subscriptions: number;
  logLevel: string;
  verifyMax: number;
  b3MaxSec: number;
  b4BudgetSec: number;
  b7Members: number;
  profile: boolean;
  keep: boolean;
  out: string;
}

const USAGE = `npm run bench [-- options]
  --sizes 10000,100000      synthetic responses for B3 (ascending; 1000000 seeds in about 4 minutes here)
  --units 500               units in the bench province
  --duration 10             seconds per measured side in B1 and B2
  --connections 10          autocannon connections (B1) and virtual respondents / raw-driver workers (B2)
  --b3-requests 20          sequential requests per endpoint in B3
  --b3-max-sec 90           time cap per endpoint in B3
  --subscriptions 500       monthly-report recipients in B4
  --b4-budget 300           seconds: when a 10-subscription sample projects the full B4 past this, report the projection
  --b7-members 400          identical answers from one address in B7's cluster decision (the projector flags past 200)
  --log-level info          the app's LOG_LEVEL (its log goes to a file)
  --verify-max 100000       run the rollup rebuild check after seeding sizes up to this
  --profile                 CPU-profile each missed case (app with --cpu-prof; B4 in-process)
  --keep                    keep the temporary directory (database, app log)
  --out docs/benchmarks.md  where the report goes`;

function parseArgs(argv: string[]): Args {
  const known = new Set([
    'sizes',
    'units',
    'duration',
    'connections',
    'b3-requests',
    'b3-max-sec',
    'subscriptions',
    'b4-budget',
    'b7-members',
    'log-level',
    'verify-max',
    'out',
    'profile',
    'keep',
  ]);
  const unknown = argv.filter((a) => a.startsWith('--') && !known.has(a.slice(2)));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(', ')}\n${USAGE}`);
  const value = (name: string) => {
    const at = argv.indexOf(`--${name}`);
    return at === -1 ? undefined : argv[at + 1];
  };
  const int = (name: string, fallback: number, min = 1) => {
    const raw = value(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  const sizes = (value('sizes') ?? DEFAULT_SIZES.join(',')).split(',').map((s) => Number(s.trim()));
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes must be a list of whole numbers, e.g. 10000,100000,1000000');
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    units: int('units', 500, 5),
    durationSec: int('duration', 10),
    connections: int('connections', 10),
    b3Requests: int('b3-requests', 20),
    b3MaxSec: int('b3-max-sec', 90),
    b4BudgetSec: int('b4-budget', 300),
    b7Members: int('b7-members', 400, 201),
    subscriptions: int('subscriptions', 500),
    logLevel: value('log-level') ?? 'info',
    verifyMax: int('verify-max', 100_000, 0),
    profile: argv.includes('--profile'),
    keep: argv.includes('--keep'),
    out: path.resolve(PROJECT_ROOT, value('out') ?? 'docs/benchmarks.md'),
  };
}

/** MONGODB_URI with its database replaced by "hailong_bench", so a real database is never touched. */
function benchUri(uri: string): string {
  const url = new URL(uri);
  url.pathname = '/hailong_bench';
  return url.toString();
}

const log = (line: string) => {
  console.log(`[bench] ${line}`);
};

/**
 * B1 again with the app and bare express both on Node.js 24 LTS, the production runtime (scripts/node24.cjs: the
 * machine's own when it is 24, else the npm registry's build in .tools/). Not run (undefined) when the machine
 * already is on 24: the B1 above is that run.
 */
async function runB1OnNode24(
  uri: string,
  work: string,
  formPath: string,
  settings: { connections: number; durationSec: number },
): Promise<{ b1: B1Result; b6: B1Result & { firstMs: number } } | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const node = (require(path.join(PROJECT_ROOT, 'scripts', 'node24.cjs')) as { node24(): string }).node24();
  if (node === process.execPath) return undefined;
  log(`B1 on Node.js 24 (${node}): ${settings.connections} connections, ${settings.durationSec} s per side...`);
  const app = await startAppProcess({ uri, logLevel: 'warn', logFile: path.join(work, 'app-node24.log'), node });
  try {
    const result = await runB1({ app, startBare: (page) => startBareProcess(page, work, node), path: formPath, settings });
    log(`B1 on Node.js 24: app ${Math.round(result.app.requestsPerSec)}/s, bare ${Math.round(result.bare.requestsPerSec)}/s`);
    // B6: the public results page (issue #27), on the same runtime and app; its first request computes the figures.
    const started = Date.now();
    await fetch(`${app.baseUrl}${PUBLIC_PATH}`);
    const firstMs = Date.now() - started;
    const b6 = await runB1({ app, startBare: (page) => startBareProcess(page, work, node), path: PUBLIC_PATH, settings });
    log(`B6 on Node.js 24: app ${Math.round(b6.app.requestsPerSec)}/s, bare ${Math.round(b6.bare.requestsPerSec)}/s (first request ${firstMs} ms)`);
    return { b1: result, b6: { ...b6, firstMs } };
  } finally {
    await app.stop();
  }
}

/** B6's page: the published province's results (setupBenchData publishes it). */
const PUBLIC_PATH = '/cong-khai';

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArgs(process.argv.slice(2));
  const started = new Date();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-bench-'));
  let embedded: EmbeddedDatabase | undefined;
  let app: RunningServer | undefined;
  let closeDb = async () => {};
  try {
    let uri: string;
    if (process.env.MONGODB_URI) {
      uri = benchUri(process.env.MONGODB_URI);
      log(`using MONGODB_URI, database hailong_bench (emptied first)`);
    } else {
      embedded = await startFerretDb({ dataDir: path.join(work, 'ferretdb') });
      uri = embedded.uri;
      log(`FerretDB started for the bench in ${embedded.dataDir}`);
    }
    const db = await connectDatabase(uri, createLogger('error'));
    closeDb = () => db.close();
    await db.connection.dropDatabase();
    const models = createModels(db.connection);
    const now = new Date();
    const data = await setupBenchData(models, { units: args.units, now });
    log(`province: ${data.units.length} units, ${data.targets.length} links`);

    const report: BenchReport = {
      machine: await machineInfo(db.connection),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      startedAt: started,
      durationSec: 0,
      settings: {
        units: data.units.length,
        links: data.targets.length,
        sizes: args.sizes,
        connections: args.connections,
        durationSec: args.durationSec,
        b3Requests: args.b3Requests,
        subscriptions: args.subscriptions,
        logLevel: args.logLevel,
        appProcess: `\`node ${startScriptNodeFlags().join(' ')} dist/src/server.js\` (the flags of \`npm start\`) in a child process, NODE_ENV=production, LOG_LEVEL=${args.logLevel} (to a file), TRUST_PROXY=1, FORM_MIN_FILL_SECONDS=0`,
      },
      seeding: [],
      b3: [],
      profiles: [],
      notes: [],
    };
    const catalog = new SurveyCatalog(models.Survey);
    const scaleOf = async (key: string, version: number) => (await catalog.getVersion(key, version))?.definition.scale ?? 5;
    let seeded = 0;
    const grow = async (size: number) => {
      const bar = progressBar(`[bench] seeding ${size} responses`, size - seeded);
      const result = await growResponses(models, data.targets, { from: seeded, to: size, lastPeriod: periodOf(now), onProgress: bar });
      seeded = size;
      let differences: number | undefined;
      if (size <= args.verifyMax) {
        log(`checking rollups against the stored responses (rebuildRollups, fix: false)...`);
        differences = (await rebuildRollups(models, scaleOf, { fix: false })).differences.length;
      }
      report.seeding.push({ size, inserted: result.inserted, figures: result.figures, views: result.views, ms: result.ms, differences });
      log(
        `seeded ${size}: ${result.figures} figure documents, ${result.views} link-view docs in ${Math.round(result.ms / 1000)} s${differences === undefined ? '' : `, ${differences} figure differences`}`,
      );
    };

    await grow(args.sizes[0]!);
    app = await startAppProcess({ uri, logLevel: args.logLevel, logFile: path.join(work, 'app.log') });
    const rss = new RssSampler(app.pid);
    const settings = { connections: args.connections, durationSec: args.durationSec };
    const forms = formTargets(data.targets, 50);
    await waitForOk(`${app.baseUrl}${forms[0]!.path}`, 30_000);

    log(`B1 form page: ${settings.connections} connections, ${settings.durationSec} s per side...`);
    const appRef = app;
    const thisMonth = () => periodOf(new Date());
    const viewsOfLink = (code: string) => async () =>
      (await models.LinkView.find({ linkCode: code, period: thisMonth() }).lean()).reduce((n, v) => n + v.views, 0);
    const viewsThisMonth = async () => (await models.LinkView.find({ period: thisMonth() }).lean()).reduce((n, v) => n + v.views, 0);
    report.b1 = await runB1({
      app: appRef,
      startBare: (page) => startBareProcess(page, work),
      path: forms[0]!.path,
      settings,
      viewsOf: viewsOfLink(forms[0]!.target.link.code),
    });
    rss.phase('B1 form page');
    log(`B1: app ${Math.round(report.b1.app.requestsPerSec)}/s, bare ${Math.round(report.b1.bare.requestsPerSec)}/s`);
    const node24 = await runB1OnNode24(uri, work, forms[0]!.path, settings);
    report.b1Node24 = node24?.b1;
    report.b6 = node24?.b6;

    // A second instance reads while the first takes answers: freshness is what every instance shows, not the one
    // that stored the answer. The probe's link is one nothing else answers, at a unit nothing else answers for.
    const reader = await startAppProcess({ uri, logLevel: args.logLevel, logFile: path.join(work, 'app-reader.log') });
    const busyUnits = new Set(forms.map((f) => f.target.unit.code));
    const probe = formTargets(
      data.targets.filter((t) => !busyUnits.has(t.unit.code)),
      1,
    )[0]!;
    const freshness = { readerUrl: reader.baseUrl, probe, apiToken: data.apiToken };
    const b2Checks = { check: () => checkRollups(models), repair: () => repairRollups(models) };
    const drain = async () => (await waitUntilStable(viewsThisMonth)).waitedMs;
    try {
      log(`B2 submission: ${settings.connections} respondents vs ${settings.connections} raw-driver workers...`);
      report.b2 = await runB2({ appUrl: app.baseUrl, uri, forms, settings, rollups: b2Checks, drain, freshness });
      rss.phase('B2 submission');
      log(
        `B2: app ${report.b2.app.submissionsPerSec.toFixed(1)}/s, raw driver ${report.b2.raw.submissionsPerSec.toFixed(1)}/s, freshness max ${report.b2.freshness?.maxMs.toFixed(0)} ms`,
      );
      log(`rollups after B2: ${report.b2.rollups?.app.differences} differences after the app, ${report.b2.rollups?.raw.differences} after the raw driver`);
      log(`B2 with a comment on every answer and a contact on every tenth...`);
      report.b2Comments = await runB2({
        appUrl: app.baseUrl,
        uri,
        forms,
        settings,
        rollups: b2Checks,
        drain,
        freshness,
        extras: { carries: 'a comment, and every tenth a contact with consent', fields: WITH_COMMENTS },
      });
      rss.phase('B2 submission with comments');
      log(
        `B2 with comments: app ${report.b2Comments.app.submissionsPerSec.toFixed(1)}/s, raw driver ${report.b2Comments.raw.submissionsPerSec.toFixed(1)}/s, freshness max ${report.b2Comments.freshness?.maxMs.toFixed(0)} ms`,
      );
    } finally {
      await reader.stop();
    }
    const added = [report.b2, report.b2Comments].reduce((n, r) => n + r.app.stored + r.raw.stored, 0);
    report.notes.push(
      `B1 and B2 ran on the ${args.sizes[0]} size; the two B2 runs added ${added} responses (plus their warm-ups) to the current month, which B3 counts too.`,
    );

    for (const [i, size] of args.sizes.entries()) {
      if (i > 0) {
        await grow(size);
        rss.phase(`seeding ${size} (app idle)`);
      }
      log(`B3 at ${size} responses: ${args.b3Requests} requests per endpoint (at most ${args.b3MaxSec} s each)...`);
      const result = await runB3({
        appUrl: app.baseUrl,
        apiToken: data.apiToken,
        admin: data.admin,
        responses: size,
        requests: args.b3Requests,
        maxSecPerEndpoint: args.b3MaxSec,
        models,
        answering: forms.filter((form) => form.target.survey.kind === 'education'),
      });
      report.b3.push(result);
      rss.phase(`B3 at ${size}`);
      log(
        `B3 at ${size}: API p95 ${result.api.p95Ms.toFixed(0)} ms, dashboard p95 ${result.admin.p95Ms.toFixed(0)} ms (${result.api.requests} + ${result.admin.requests} requests)`,
      );

      log(`B5 at ${size}: comment and review lists, then the CSV export of 12 months...`);
      const b5 = await runB5({
        appUrl: app.baseUrl,
        admin: data.admin,
        models,
        targets: data.targets,
        lastPeriod: periodOf(now),
        responses: size,
        flaggedFrom: i ? Math.floor(args.sizes[i - 1]! / 100) : 0,
        requests: args.b3Requests,
        maxSecPerEndpoint: args.b3MaxSec,
        rss,
      });
      report.b5 = [...(report.b5 ?? []), b5];
      log(
        `B5 at ${size}: comments p95 ${b5.comments.p95Ms.toFixed(0)} ms, review p95 ${b5.review.p95Ms.toFixed(0)} ms, export ${b5.export.rows} rows in ${(b5.export.ms / 1000).toFixed(1)} s (first row after ${((b5.export.firstRowMs ?? NaN) / 1000).toFixed(1)} s), peak RSS ${Math.round((b5.export.peakRssBytes ?? 0) / 1e6)} MB`,
      );
      if (i === 0) {
        // B4 on the smallest size: its cost grows with the collections it reads (every response, for new comments).
        const period = shiftPeriod(periodOf(new Date()), -1);
        log(`B4 monthly run for ${period}, ${args.subscriptions} subscriptions (time budget ${args.b4BudgetSec} s)...`);
        let b4Frames: Frame[] | undefined;
        report.b4 = await runB4(models, {
          subscriptions: args.subscriptions,
          period,
          now: new Date(),
          budgetSec: args.b4BudgetSec,
          sample: 10,
          ...(args.profile
            ? {
                profile: async <T>(task: () => Promise<T>) => {
                  const { result: value, frames } = await profileInProcess(task);
                  b4Frames = frames;
                  return value;
                },
              }
            : {}),
        });
        if (b4Frames) report.profiles.push({ name: `B4 monthly run, last ${report.b4.ran} summaries (bench process, sampling profiler)`, frames: b4Frames });
        rss.phase('B4 (app idle)');
        log(
          `B4: ${report.b4.ran} summaries in ${(report.b4.durationMs / 1000).toFixed(1)} s; ${report.b4.subscriptions} ${report.b4.ran < report.b4.subscriptions ? 'projected' : 'took'} ${(report.b4.projectedMs / 1000).toFixed(0)} s`,
        );
      }
    }
    const largest = args.sizes[args.sizes.length - 1]!;
    log(`B7 at ${largest}: a tenth of the schools move district, then a decision on a cluster of ${args.b7Members} answers...`);
    const reorganisation = await runB7Reorganisation({
      appUrl: app.baseUrl,
      models,
      admin: data.admin,
      log: (line) => {
        log(`B7: ${line}`);
      },
    });
    rss.phase(`B7 reorganisation at ${largest}`);
    const cluster = await runB7ClusterDecision({ appUrl: app.baseUrl, models, admin: data.admin, members: args.b7Members });
    rss.phase(`B7 cluster decision at ${largest}`);
    report.b7 = { size: largest, reorganisation, cluster };
    log(
      `B7: reorganisation ${(reorganisation.ms / 1000).toFixed(1)} s (${reorganisation.differences} figure differences); cluster decisions ${cluster.decisions.map((d) => `${d.ms} ms`).join(', ')} (${cluster.differences} differences)`,
    );
    rss.stop();
    const measured = rss.phases.filter((p) => /^B[123] /.test(p.name));
    report.rss = {
      peakBytes: Math.max(...measured.map((p) => p.peakBytes)),
      hwmBytes: readPeakRss(app.pid),
      kernelPeaks: rss.kernelPeaks,
      samples: rss.samples,
      phases: rss.phases,
    };
    await app.stop();
    app = undefined;

    // The first request after a restart, at the largest size: nothing about the figures is in the new process.
    const restarted = await startAppProcess({ uri, logLevel: args.logLevel, logFile: path.join(work, 'app-restarted.log') });
    try {
      const size = args.sizes[args.sizes.length - 1]!;
      const first = await timeRequests(`${restarted.baseUrl}${STATS_PATH}`, { authorization: `Bearer ${data.apiToken}` }, 1, 60);
      if (first.requests !== 1) throw new Error('the first stats request after a restart failed');
      report.firstAfterRestart = { responses: size, ms: first.maxMs };
      log(`first /api/v1/stats after a restart at ${size}: ${first.maxMs.toFixed(0)} ms`);
    } finally {
      await restarted.stop();
    }

    if (args.profile) await profileMisses(report, { uri, work, data, models, forms, args });
    if (!args.sizes.includes(1_000_000))
      report.notes.push(`1M responses were not run (sizes: ${args.sizes.join(', ')}); see the findings for why and for the figures expected there.`);

    report.durationSec = (Date.now() - started.getTime()) / 1000;
    console.log(`\n${consoleTable(report)}\n`);
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, renderMarkdown(report, FINDINGS));
    log(`wrote ${path.relative(process.cwd(), args.out)}`);
    return 0;
  } finally {
    await app?.stop().catch(() => undefined);
    await closeDb().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    if (args.keep) log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Re-runs each missed app case against an app started with --cpu-prof and keeps its top frames. */
async function profileMisses(
  report: BenchReport,
  ctx: { uri: string; work: string; data: BenchData; models: Models; forms: ReturnType<typeof formTargets>; args: Args },
): Promise<void> {
  const missed = verdicts(report)
    .filter((v) => v.status === 'MISS')
    .map((v) => v.case);
  const cases: { name: string; when: boolean; run: (app: RunningServer) => Promise<unknown> }[] = [
    {
      name: 'B1 form page (app process)',
      when: missed.some((c) => c.startsWith('B1')),
      run: (app) =>
        runB1({
          app,
          startBare: (page) => startBareProcess(page, ctx.work),
          path: ctx.forms[0]!.path,
          settings: { connections: ctx.args.connections, durationSec: 10 },
          warmupSec: 1,
        }),
    },
    {
      name: 'B2 submission (app process)',
      when: missed.some((c) => c.startsWith('B2')),
      run: (app) =>
        runB2({ appUrl: app.baseUrl, uri: ctx.uri, forms: ctx.forms, settings: { connections: ctx.args.connections, durationSec: 10 }, warmupSec: 1 }),
    },
    {
      name: `B3 stats API and dashboard at ${ctx.args.sizes[ctx.args.sizes.length - 1]} (app process)`,
      when: missed.some((c) => c.startsWith('B3')),
      run: (app) =>
        runB3({ appUrl: app.baseUrl, apiToken: ctx.data.apiToken, admin: ctx.data.admin, responses: 0, requests: 5, warmup: 1, maxSecPerEndpoint: 60 }),
    },
  ];
  for (const c of cases.filter((c) => c.when)) {
    const dir = path.join(ctx.work, `profile-${report.profiles.length}`);
    log(`profiling: ${c.name}...`);
    const app = await startAppProcess({
      uri: ctx.uri,
      logLevel: ctx.args.logLevel,
      logFile: path.join(ctx.work, 'app-profile.log'),
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    try {
      await waitForOk(`${app.baseUrl}${ctx.forms[0]!.path}`, 30_000);
      await c.run(app);
    } finally {
      await app.stop();
    }
    const profile = readNewestProfile(dir);
    if (profile) report.profiles.push({ name: c.name, frames: topFrames(profile) });
    else report.notes.push(`no CPU profile was written for ${c.name}`);
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
