import { runB1 } from '../../scripts/bench/b1-form-page';
import { formTargets, runB2 } from '../../scripts/bench/b2-submission';
import { runB3 } from '../../scripts/bench/b3-stats';
import { runB4 } from '../../scripts/bench/b4-monthly';
import { machineInfo } from '../../scripts/bench/machine';
import { setupBenchData, type BenchData } from '../../scripts/bench/province';
import { consoleTable, renderMarkdown, type BenchReport } from '../../scripts/bench/report';
import { checkRollups, repairRollups } from '../../scripts/bench/rollup-check';
import { RssSampler } from '../../scripts/bench/rss';
import { growResponses } from '../../scripts/bench/seed';
import { startAppInProcess, startBareInProcess, type RunningServer } from '../../scripts/bench/servers';
import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import { periodOf, shiftPeriod } from '../../src/responses/period';
import { rebuildRollups } from '../../src/figures/rebuild';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { connectTestDatabase, testDatabaseUri } from '../helpers/test-db';

/**
 * The benchmark cases, each once at a tiny size through the same functions `npm run bench` calls. Only that they
 * produce numbers is checked: timings on a shared CI machine mean nothing.
 */
const finite = (n: number) => Number.isFinite(n) && n >= 0;

describe('npm run bench, at a tiny size', () => {
  let db: Database;
  let models: Models;
  let data: BenchData;
  let app: RunningServer;
  const uri = () => testDatabaseUri();
  const now = new Date();

  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    data = await setupBenchData(models, { units: 12, now });
    await growResponses(models, data.targets, { from: 0, to: 200, lastPeriod: periodOf(now) });
    app = await startAppInProcess(uri());
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await db?.close();
  });

  const scaleOf = async (key: string, version: number) => (await new SurveyCatalog(models.Survey).getVersion(key, version))?.definition.scale ?? 5;

  it('when 200 responses are seeded, then their rollups equal a rebuild from the responses', async () => {
    expect(await models.Response.countDocuments({ synthetic: true })).toBe(200);
    expect((await rebuildRollups(models, scaleOf, { fix: false })).differences).toEqual([]);
  });

  it('when B1 runs for a second, then both the app and bare express give throughput and p99', async () => {
    const [form] = formTargets(data.targets, 1);
    const result = await runB1({ app, startBare: startBareInProcess, path: form!.path, settings: { connections: 2, durationSec: 1 }, warmupSec: 1 });
    expect(result.app.requestsPerSec).toBeGreaterThan(0);
    expect(result.bare.requestsPerSec).toBeGreaterThan(0);
    expect(result.app.non2xx).toBe(0);
    expect(finite(result.app.p99Ms) && finite(result.bare.p99Ms) && finite(result.ratio)).toBe(true);
  }, 60_000);

  it('when B2 runs for a second, then respondents store submissions, the raw driver too, and the rollups are checked and repaired', async () => {
    const rollups = { check: () => checkRollups(models), repair: () => repairRollups(models) };
    const result = await runB2({
      appUrl: app.baseUrl,
      uri: uri(),
      forms: formTargets(data.targets, 5),
      settings: { connections: 2, durationSec: 1 },
      warmupSec: 1,
      rollups,
    });
    expect(result.app.stored).toBeGreaterThan(0);
    expect(result.app.failed).toBe(0);
    expect(result.raw.stored).toBeGreaterThan(0);
    expect(finite(result.ratio)).toBe(true);
    // Only that the check produced numbers: concurrent $inc on one document loses updates on FerretDB v1 (see docs/benchmarks.md).
    expect(finite(result.rollups!.app.differences) && finite(result.rollups!.raw.differences)).toBe(true);
    expect((await checkRollups(models)).differences).toBe(0);
  }, 60_000);

  it('when B3 runs, then the stats API and the dashboard give p50 and p95, with the query breakdown', async () => {
    const result = await runB3({ appUrl: app.baseUrl, apiToken: data.apiToken, admin: data.admin, responses: 200, requests: 3, warmup: 1, models });
    expect(result.api.failures + result.admin.failures).toBe(0);
    expect(finite(result.api.p95Ms) && finite(result.admin.p95Ms)).toBe(true);
    expect(result.queries?.figureDocs).toBeGreaterThan(0);
  }, 60_000);

  it('when B4 runs for 5 subscriptions, then every summary is sent to the local sink and timed', async () => {
    const result = await runB4(models, { subscriptions: 5, period: shiftPeriod(periodOf(now), -1), now });
    expect(result.sent).toBe(5);
    expect(result.received).toBe(5);
    expect(finite(result.durationMs)).toBe(true);
  }, 120_000);

  it('when the report is rendered, then it names the machine and a status for every target', async () => {
    const sampler = new RssSampler(process.pid, 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    sampler.phase('idle');
    sampler.stop();
    const report: BenchReport = {
      machine: await machineInfo(db.connection),
      command: 'npm run bench',
      startedAt: now,
      durationSec: 1,
      settings: {
        units: 12,
        links: data.targets.length,
        sizes: [200],
        connections: 2,
        durationSec: 1,
        b3Requests: 3,
        subscriptions: 5,
        logLevel: 'silent',
        appProcess: 'in-process',
      },
      seeding: [{ size: 200, inserted: 200, figures: 1, views: 1, ms: 1, differences: 0 }],
      b3: [],
      rss: { peakBytes: sampler.peakBytes, samples: sampler.samples, phases: sampler.phases },
      profiles: [],
      notes: [],
    };
    expect(sampler.peakBytes).toBeGreaterThan(0);
    const markdown = renderMarkdown(report, '## Findings');
    expect(markdown).toContain(report.machine.cpuModel);
    expect(markdown).toMatch(/Peak server RSS during B1–B3 \| \d+ MB \| ≤ 250 MB \| \*\*(PASS|MISS)\*\*/);
    expect(consoleTable(report)).toContain('NOT RUN');
  });
});
