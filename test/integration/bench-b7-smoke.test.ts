import { b7Markdown, b7Verdicts } from '../../scripts/bench/b7-report';
import { runB7ClusterDecision } from '../../scripts/bench/b7-cluster-decision';
import { runB7Reorganisation } from '../../scripts/bench/b7-reorganisation';
import { setupBenchData, type BenchData } from '../../scripts/bench/province';
import { growResponses } from '../../scripts/bench/seed';
import { startAppInProcess, type RunningServer } from '../../scripts/bench/servers';
import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import { periodOf } from '../../src/responses/period';
import { connectTestDatabase, testDatabaseUri } from '../helpers/test-db';

/**
 * B7 once at a small size through the functions `npm run bench` calls: the schools really move, the cluster really
 * forms and is decided, and the figures equal a rebuild after each. Timings on a shared machine mean nothing, so
 * none is checked.
 */
describe('npm run bench, B7 at a small size', () => {
  let db: Database;
  let models: Models;
  let data: BenchData;
  let app: RunningServer;
  const now = new Date();

  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    // 100 units: two districts, so a school has another district to move to.
    data = await setupBenchData(models, { units: 100, now });
    await growResponses(models, data.targets, { from: 0, to: 400, lastPeriod: periodOf(now) });
    app = await startAppInProcess(testDatabaseUri());
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await db?.close();
  });

  it('when a tenth of the schools move district and a cluster of identical answers is excluded, included and excluded, then the figures stay exact', async () => {
    const parentsBefore = new Map((await models.Unit.find({ type: 'school' }).lean()).map((u) => [u.code, u.parentCode]));
    const reorganisation = await runB7Reorganisation({ appUrl: app.baseUrl, models, admin: data.admin });
    const schools = await models.Unit.find({ type: 'school' }).lean();
    const movedSchools = schools.filter((u) => parentsBefore.get(u.code) !== u.parentCode);
    expect(reorganisation.moved).toBeGreaterThan(0);
    expect(movedSchools).toHaveLength(reorganisation.moved);
    expect(reorganisation.answersToMove).toBeGreaterThan(0);
    expect(reorganisation.differences).toBe(0);
    // Every answer of a moved school now counts under its new district.
    for (const school of movedSchools.slice(0, 3)) {
      const stale = await models.Response.collection.countDocuments({ unitCode: school.code, unitAncestors: { $ne: school.parentCode } });
      expect(stale).toBe(0);
    }
    expect(reorganisation.figures).toBeGreaterThan(0);

    const cluster = await runB7ClusterDecision({ appUrl: app.baseUrl, models, admin: data.admin, members: 201 });
    expect(cluster.statuses).toEqual({ '303': 201 });
    expect(cluster.decisions.map((d) => [d.decision, d.status])).toEqual([
      ['exclude', 303],
      ['include', 303],
      ['exclude', 303],
    ]);
    expect(cluster.differences).toBe(0);
    // The last decision excluded the whole cluster: none of its answers counts.
    const ofLink = { linkCode: cluster.linkCode, synthetic: { $ne: true } };
    expect(await models.Response.collection.countDocuments(ofLink)).toBe(201);
    expect(await models.Response.collection.countDocuments({ ...ofLink, counted: true })).toBe(0);

    const b7 = { size: 400, reorganisation, cluster };
    expect(b7Verdicts(b7).map((v) => v.status)).toEqual(['NOT RUN', 'NOT RUN']);
    expect(b7Verdicts({ ...b7, reorganisation: { ...reorganisation, differences: 1 } })[0]!.status).toBe('MISS');
    expect(b7Markdown(b7)).toContain('| cluster include |');
  }, 300_000);
});
