import request from 'supertest';
import { COMMENTS_COLLECTION, directoryId, REVIEW_COLLECTION } from '../../src/review/list-keys';
import { migrateToProjector, PROJECTOR_MIGRATION } from '../../src/projector/migration';
import { runOnce } from '../../src/settings.model';
import { recountProjections } from '../../src/projector/recount';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import type { ResponseDoc } from '../../src/responses/response.model';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { instants, responseOf, storeProjected } from '../helpers/response-fixtures';
import { FIXTURE_UNITS, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Responses stored before the list indexes existed (issue 12), and lists left one off by the mechanism before the
 * projector: the once-per-database recount (projector/migration.ts) lists every answer exactly once, alongside
 * answers the projector listed as they arrived, and puts the counts right.
 */
const LELOI = FIXTURE_UNITS.find((u) => u.code === 'THCS-LELOI')!;
const OCTOBER = 'kind=education&unit=SGD&from=2026-10&to=2026-10';
const firstCount = (html: string) => Number(/<p>([\d.]+) mục<\/p>/.exec(html)?.[1]?.replace(/\./g, '') ?? NaN);
const clusterCount = (html: string) => Number(/<p>([\d.]+) cụm<\/p>/.exec(html)?.[1] ?? NaN);

describe('list index migration', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let dept: request.Agent;

  const insert = async (docs: ResponseDoc[]) => {
    await fx.models.Response.collection.insertMany(docs as never[]);
    return docs;
  };
  const comments = async () => (await dept.get(`/admin/comments?${OCTOBER}`).expect(200)).text;
  const review = async () => (await dept.get(`/admin/review?${OCTOBER}`).expect(200)).text;
  /** Every entry and per-day count in the index, to compare two states of it. */
  const indexState = async () =>
    JSON.stringify(
      await Promise.all(
        [COMMENTS_COLLECTION, REVIEW_COLLECTION].map(async (name) =>
          (await ctx.db.connection.collection(name).find({}).sort({ _id: 1 }).toArray()).map((doc) =>
            JSON.stringify(doc, (k, v) => (k === 'v' ? undefined : v)),
          ),
        ),
      ),
    );

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    await createUser(fx.models, 'so@x.vn', 'department', 'SGD');
    dept = await signIn(ctx.app, 'so@x.vn');
    // Stored by an earlier version: nothing indexed.
    await insert(
      instants('2026-10', 40).map((at, i) => responseOf(LELOI, at, { comment: `Ý kiến cũ ${i}`, ...(i % 4 === 0 ? { commentStatus: 'seen' as const } : {}) })),
    );
    await insert(instants('2026-10', 10, 5).map((at) => responseOf(LELOI, at, { flags: ['too_fast'] })));
    const clusterHour = Date.parse('2026-10-12T02:00:00Z');
    await insert(
      Array.from({ length: 6 }, (_, i) =>
        responseOf(LELOI, new Date(clusterHour + i * 1000), { flags: ['burst'], addressHash: 'M'.repeat(22), linkCode: 'L-CLUSTER' }),
      ),
    );
    await insert(instants('2026-10', 50).map((at) => responseOf(LELOI, at)));
    // Listed as they arrived (after the upgrade, before the migration finished).
    await storeProjected(
      fx.models,
      instants('2026-10', 5, 8).map((at) => responseOf(LELOI, at, { comment: 'Ý kiến mới' })),
    );
  });
  afterAll(() => ctx.close());

  it('when the migration has not run, then the lists show only what was indexed and say that older answers may be missing', async () => {
    const page = await comments();
    expect(firstCount(page)).toBe(5);
    expect(page).toContain('Danh sách đang được lập');
    expect(clusterCount(await review())).toBe(0);
  });

  it('when the migration runs, then every older comment and flagged answer is listed, and the notice goes', async () => {
    // A count the mechanism before the projector left one off after a crash.
    await ctx.db.connection.collection(COMMENTS_COLLECTION).updateOne({ _id: directoryId('education', 'SGD', '2026-10') } as never, { $inc: { 'd.d08.n': 1 } });
    expect(await migrateToProjector(fx.models, new SurveyCatalog(fx.models.Survey).scaleOf, ctx.instance.projector)).toBe(true);
    const page = await comments();
    expect(firstCount(page)).toBe(45);
    expect(page).not.toContain('Danh sách đang được lập');
    expect(firstCount((await dept.get(`/admin/comments?${OCTOBER}&status=seen`).expect(200)).text)).toBe(10);
    const flagged = await review();
    expect(clusterCount(flagged)).toBe(1);
    expect(flagged).toMatch(/<td class="num">6<\/td><td class="num">1<\/td><td class="num">0<\/td>/);
    expect(/<h2>Phiếu bị đánh dấu riêng lẻ<\/h2>\s*<p>10 mục<\/p>/.test(flagged)).toBe(true);
  });

  it('when it would run again (another start, or a second instance), then it does not, and running its work twice changes nothing', async () => {
    const before = await indexState();
    expect(await migrateToProjector(fx.models, new SurveyCatalog(fx.models.Survey).scaleOf, ctx.instance.projector)).toBe(false);
    const again = await recountProjections(fx.models, new SurveyCatalog(fx.models.Survey).scaleOf, { fix: true, projector: ctx.instance.projector });
    expect(again.lists.differences).toEqual([]);
    expect(again.differences).toEqual([]);
    expect(await indexState()).toBe(before);
    expect(firstCount(await comments())).toBe(45);
  });
});

/**
 * Lists cut per hour (before `list-buckets-by-second`, list-keys.ts): once per database the recount rewrites them
 * per second. An entry that changed in between (written to its second's bucket while its hour's bucket still held
 * it) is listed once afterwards, as it is now.
 */
describe('list buckets recut from hours to seconds', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let dept: request.Agent;
  const buckets = async () =>
    (await ctx.db.connection
      .collection(COMMENTS_COLLECTION)
      .find({ _id: { $gte: 'b|', $lt: 'b}' } } as never)
      .toArray()) as unknown as Array<{ _id: string; e?: Record<string, unknown> }>;
  const list = async (query = '') => (await dept.get(`/admin/comments?${OCTOBER}${query}`).expect(200)).text;

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    await createUser(fx.models, 'so@x.vn', 'department', 'SGD');
    dept = await signIn(ctx.app, 'so@x.vn');
    // The projector migration ran long ago; the lists were then cut per hour.
    await runOnce(fx.models.Setting, PROJECTOR_MIGRATION, () => Promise.resolve());
    await storeProjected(
      fx.models,
      instants('2026-10', 6).map((at, i) => responseOf(LELOI, new Date(at.getTime() + i * 7000), { comment: `Ý kiến ${i}` })),
    );
    const lists = ctx.db.connection.collection(COMMENTS_COLLECTION);
    const byHour = new Map<string, Record<string, unknown>>();
    for (const doc of await buckets()) {
      const hour = doc._id.slice(0, -4);
      byHour.set(hour, { ...(byHour.get(hour) ?? {}), ...doc.e });
    }
    await lists.deleteMany({ _id: { $in: (await buckets()).map((doc) => doc._id) } } as never);
    await lists.insertMany([...byHour].map(([_id, e]) => ({ _id, e, batch: 0 })) as never[]);
  });
  afterAll(() => ctx.close());

  it('when an older entry changes before the recut and the recut runs, then every comment is listed once, as it is now, in second buckets only', async () => {
    expect((await buckets()).every((doc) => /\|\d{4}$/.test(doc._id))).toBe(true); // DDHH: the hour layout
    expect(firstCount(await list())).toBe(6);
    const page = await list();
    const id = /action="\/admin\/comments\/([^"/]+)"/.exec(page)![1]!;
    await dept
      .post(`/admin/comments/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page), status: 'resolved', tags: '' })
      .expect(303);
    expect(await migrateToProjector(fx.models, new SurveyCatalog(fx.models.Survey).scaleOf, ctx.instance.projector)).toBe(true);
    const stored = await buckets();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((doc) => /\|\d{8}$/.test(doc._id))).toBe(true); // DDHHmmss
    const entries = stored.filter((doc) => doc._id.includes('|SGD|')).flatMap((doc) => Object.keys(doc.e ?? {}));
    expect(entries).toHaveLength(6);
    expect(new Set(entries).size).toBe(6);
    expect(firstCount(await list())).toBe(6);
    expect(firstCount(await list('&status=resolved'))).toBe(1);
    expect(await list('&status=resolved')).toContain(`/admin/comments/${id}`);
    expect(await migrateToProjector(fx.models, new SurveyCatalog(fx.models.Survey).scaleOf, ctx.instance.projector)).toBe(false);
  });
});
