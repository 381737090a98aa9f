import { b5Markdown, b5Verdicts, runB5 } from '../../scripts/bench/b5-lists';
import { PROXY_HTTPS, signIn } from '../../scripts/bench/http';
import { setupBenchData, type BenchData } from '../../scripts/bench/province';
import { RssSampler } from '../../scripts/bench/rss';
import { growResponses } from '../../scripts/bench/seed';
import { startAppInProcess, type RunningServer } from '../../scripts/bench/servers';
import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import { periodOf, shiftPeriod } from '../../src/responses/period';
import { connectTestDatabase, testDatabaseUri } from '../helpers/test-db';

/**
 * B5 once at a tiny size through the function `npm run bench` calls: it produces numbers, its export has every
 * education response of the 12 months, and the seed's comments and B5's flagged answers are in the lists.
 * Timings on a shared machine mean nothing, so none is checked.
 */
describe('npm run bench, B5 at a tiny size', () => {
  let db: Database;
  let models: Models;
  let data: BenchData;
  let app: RunningServer;
  const now = new Date();

  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    data = await setupBenchData(models, { units: 12, now });
    await growResponses(models, data.targets, { from: 0, to: 600, lastPeriod: periodOf(now) });
    app = await startAppInProcess(testDatabaseUri());
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await db?.close();
  });

  it('when B5 runs, then both lists answer with their totals, and the export holds every education response of the 12 months', async () => {
    const sampler = new RssSampler(process.pid, 50);
    const result = await runB5({
      appUrl: app.baseUrl,
      admin: data.admin,
      models,
      targets: data.targets,
      lastPeriod: periodOf(now),
      responses: 600,
      flaggedFrom: 0,
      requests: 3,
      warmup: 1,
      rss: sampler,
    });
    sampler.stop();
    expect(result.comments.failures + result.review.failures).toBe(0);
    expect(Number.isFinite(result.comments.p95Ms) && Number.isFinite(result.review.p95Ms)).toBe(true);
    expect(result.flagged).toBe(6);
    const months = { $gte: shiftPeriod(periodOf(now), -11), $lte: periodOf(now) };
    const raw = models.Response.collection;
    expect(result.export.status).toBe(200);
    expect(result.export.rows).toBe(await raw.countDocuments({ kind: 'education', period: months }));
    expect(result.export.peakRssBytes).toBeGreaterThan(0);

    const cookie = await signIn(app.baseUrl, data.admin.email, data.admin.password);
    const page = async (path: string) => (await fetch(`${app.baseUrl}${path}`, { headers: { ...PROXY_HTTPS, cookie } })).text();
    const comments = await page('/admin/comments?kind=education&unit=SGD');
    const withComment = await raw.countDocuments({ kind: 'education', period: months, comment: { $exists: true } });
    expect(withComment).toBeGreaterThan(0);
    expect(comments).toContain(`<p>${withComment} mục</p>`);
    const review = await page('/admin/review?kind=education&unit=SGD');
    const flaggedEducation = await raw.countDocuments({ kind: 'education', period: months, 'flags.0': { $exists: true } });
    const clustered = await raw.countDocuments({ kind: 'education', period: months, flags: 'burst' });
    expect(review).toContain(`<p>${flaggedEducation - clustered} mục</p>`);

    expect(b5Verdicts([result]).map((v) => v.status)).toEqual(['NOT RUN', 'NOT RUN', 'NOT RUN']);
    expect(b5Markdown([result])).toContain('| 600 | 6 |');
  }, 120_000);
});
