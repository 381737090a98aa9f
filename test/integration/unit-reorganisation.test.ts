import request from 'supertest';
import { rebuildRollups } from '../../src/figures/rebuild';
import { recountProjections } from '../../src/projector/recount';
import { newItemId } from '../../src/projector/inbox';
import { cutOffBatch } from '../helpers/projector-crash';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { runRechain } from '../../src/reorganisation/rechain';
import { rechainProgress, requestRechain } from '../../src/units/rechain-state';
import { clusterKeyOf } from '../../src/review/review-clusters';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { responseOf, storeProjected } from '../helpers/response-fixtures';
import { allAnswers, FIXTURE_UNITS, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { waitFor } from '../helpers/wait';

/**
 * Units with history (issue 16, items 3 and 4). Answers are given on 10 June 2026 under the tree as recorded: THCS
 * Lê Lợi and TH Kim Đồng under the An Phú district office, THPT Chu Văn An under the department. On 20 June one
 * import records the reorganisation: from 1 July 2025 the district level is gone and Kim Đồng sits under the commune
 * of Bình An; from 15 June 2026 Lê Lợi is merged into Chu Văn An. Figures, lists, cases and access must follow
 * today's tree and equal a recount; "as the tree was then" counts Lê Lợi's answers under An Phú, where it stood on
 * their day, and Kim Đồng's under the commune, where it legally stood already.
 */
let now = new Date('2026-06-10T03:00:00Z');
const REORGANISATION = [
  'code,name,type,level,district,parent,valid_from,merged_into',
  'XA-BINHAN,UBND xã Bình An,commune,,An Phú,SGD,2025-07-01,',
  'TH-KIMDONG,Trường Tiểu học Kim Đồng,school,tieuhoc,An Phú,XA-BINHAN,2025-07-01,',
  'THCS-LELOI,Trường THCS Lê Lợi,school,thcs,An Phú,PGD-A,2026-06-15,THPT-CHUVANAN',
].join('\n');

describe('units that move and merge', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let scaleOf: (key: string, version: number) => Promise<number>;
  let clusterKey = '';
  const clusterRow = () => `<td>TH-KIMDONG</td><td>${fx.links['edu-parent-tieuhoc']}</td>`;
  const reviewPage = async (agent: request.Agent) => (await agent.get('/admin/review?from=2026-06&to=2026-06').expect(200)).text;
  const stats = (agent: request.Agent, unit: string) => agent.get(`/api/v1/stats?unit=${unit}&from=2026-06&to=2026-06`);
  const n = async (agent: request.Agent, unit: string) => (await stats(agent, unit).expect(200)).body.headline.n as number;
  const recountDiffers = async () => (await rebuildRollups(fx.models, scaleOf, { fix: false })).differences;

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => now });
    fx = await seedSurveyFixtures(ctx.db, now);
    scaleOf = new SurveyCatalog(fx.models.Survey).scaleOf;
    await createUser(fx.models, 'so@example.vn', 'department', 'SGD');
    await createUser(fx.models, 'pgd@example.vn', 'unit_manager', 'PGD-A');
    await createUser(fx.models, 'thpt@example.vn', 'unit_manager', 'THPT-CHUVANAN');

    const submit = async (survey: string, score: number, extra: Record<string, string> = {}) => {
      expect(
        (await fillAndSubmit(request.agent(ctx.app), `/s/${fx.links[survey]}`, { ...allAnswers(fx.instrument(survey), score), ...extra })).res.status,
      ).toBe(303);
    };
    await submit('edu-parent-thcs', 2, { overall: '2', comment: 'Cổng trường ngập nước', contact_phone: '0912345678', consent_contact: 'yes' });
    await submit('edu-parent-thcs', 4);
    await submit('edu-parent-thcs', 5);
    await submit('edu-parent-tieuhoc', 4);
    await submit('edu-parent-tieuhoc', 3);
    await submit('edu-parent-thpt', 5);
    await submit('edu-parent-thpt', 4);
    // A burst from one address at Kim Đồng, waiting for review: a pending cluster.
    const kimDong = FIXTURE_UNITS.find((u) => u.code === 'TH-KIMDONG')!;
    const burst = Array.from({ length: 6 }, (_, i) =>
      responseOf(kimDong, new Date(now.getTime() + i * 1000), {
        flags: ['burst'],
        addressHash: 'K'.repeat(22),
        linkCode: fx.links['edu-parent-tieuhoc']!,
        surveyKey: 'edu-parent-tieuhoc',
      }),
    );
    await storeProjected(fx.models, burst);
    clusterKey = clusterKeyOf(burst[0]!);
    now = new Date('2026-06-20T03:00:00Z');
  });
  afterAll(() => ctx.close());

  it('before the import, the figures follow the old tree', async () => {
    const so = await signIn(ctx.app, 'so@example.vn');
    expect(await n(so, 'PGD-A')).toBe(5);
    expect(await n(so, 'THPT-CHUVANAN')).toBe(2);
    expect(await n(so, 'SGD')).toBe(7);
    expect(await fx.models.Case.countDocuments({ unitCode: 'THCS-LELOI' })).toBe(1);
    expect(await reviewPage(await signIn(ctx.app, 'pgd@example.vn'))).toContain(clusterRow());
  });

  it('when the reorganisation is imported, then answers are moved in the background and the figures follow today’s tree and equal a recount', async () => {
    const so = await signIn(ctx.app, 'so@example.vn');
    await ctx.instance.views.flush();
    const viewsOf = async (unitCode: string) => (await fx.models.LinkView.find({ unitCode }).lean()).reduce((sum, v) => sum + v.views, 0);
    const [thptViews, leLoiViews] = [await viewsOf('THPT-CHUVANAN'), await viewsOf('THCS-LELOI')];
    expect(leLoiViews).toBeGreaterThanOrEqual(3);
    const token = csrfFrom((await so.get('/admin/units').expect(200)).text);
    const imported = await so.post('/admin/units/import').type('form').send({ _csrf: token, csv: REORGANISATION });
    expect(imported.status).toBe(200);
    await waitFor(async () => (await rechainProgress(fx.models)) === null, 60_000);

    expect(await n(so, 'THPT-CHUVANAN')).toBe(5); // its own 2 and the merged school's 3
    expect(await n(so, 'THCS-LELOI')).toBe(3); // still readable on its own
    expect(await n(so, 'XA-BINHAN')).toBe(2);
    expect(await n(so, 'PGD-A')).toBe(0);
    expect(await n(so, 'SGD')).toBe(7);
    expect(await recountDiffers()).toEqual([]);
    const then = async (unit: string) => (await so.get(`/api/v1/stats?unit=${unit}&from=2026-06&to=2026-06&tree=then`).expect(200)).body;
    expect((await then('PGD-A')).headline.n).toBe(3);
    expect((await then('THPT-CHUVANAN')).headline.n).toBe(2);
    expect((await then('THPT-CHUVANAN')).byUnit.map((u: { key: string }) => u.key)).toEqual(['THPT-CHUVANAN']);
    expect((await then('XA-BINHAN')).headline.n).toBe(2);
    expect((await then('SGD')).headline.n).toBe(7);
    expect((await then('SGD')).scope.tree).toBe('then');
    await so.get('/api/v1/stats?unit=SGD&tree=yesterday').expect(400);
    expect((await so.get('/admin/dashboard?unit=PGD-A&from=2026-06&to=2026-06&tree=then').expect(200)).text).toMatch(/<option value="then" selected>/);
    const body = (await stats(so, 'THPT-CHUVANAN').expect(200)).body;
    expect(body.recomputing).toBeNull();
    expect(body.responses.views).toBe(thptViews + leLoiViews);
    expect((await stats(so, 'PGD-A').expect(200)).body.responses.views).toBe(0);
    expect(body.byUnit.map((u: { key: string; label: { vi: string } }) => [u.key, u.label.vi]).sort()).toEqual([
      ['THCS-LELOI', 'Trường THCS Lê Lợi (đã sáp nhập vào Trường THPT Chu Văn An)'],
      ['THPT-CHUVANAN', 'Trường THPT Chu Văn An'],
    ]);
    expect(clusterKey).not.toBe('');
    const stored = await fx.models.Response.find({ unitCode: 'THCS-LELOI' }).lean();
    expect(stored.map((r) => [r.unitAncestors, r.unitAncestorsThen])).toEqual([
      [
        ['SGD', 'THPT-CHUVANAN'],
        ['SGD', 'PGD-A'],
      ],
      [
        ['SGD', 'THPT-CHUVANAN'],
        ['SGD', 'PGD-A'],
      ],
      [
        ['SGD', 'THPT-CHUVANAN'],
        ['SGD', 'PGD-A'],
      ],
    ]);
    expect((await fx.models.Response.find({ unitCode: 'TH-KIMDONG', counted: true }).lean()).map((r) => [r.unitAncestors, r.unitAncestorsThen])).toEqual([
      [['SGD', 'XA-BINHAN'], undefined],
      [['SGD', 'XA-BINHAN'], undefined],
    ]);
    expect(await fx.models.Audit.countDocuments({ action: 'units.import' })).toBe(1);
  });

  it('then access follows today’s tree: the old district loses the moved schools, their new parents gain them with their comments and cases', async () => {
    const [pgd, thpt] = await Promise.all(['pgd@example.vn', 'thpt@example.vn'].map((email) => signIn(ctx.app, email)));
    await stats(pgd!, 'THCS-LELOI').expect(403);
    await stats(pgd!, 'TH-KIMDONG').expect(403);
    expect(await n(thpt!, 'THCS-LELOI')).toBe(3);

    expect((await thpt!.get('/admin/comments').expect(200)).text).toContain('Cổng trường ngập nước');
    expect((await pgd!.get('/admin/comments').expect(200)).text).not.toContain('Cổng trường ngập nước');
    expect((await thpt!.get('/api/v1/cases').expect(200)).body.map((c: { unit: { code: string } }) => c.unit.code)).toEqual(['THCS-LELOI']);
    expect((await pgd!.get('/api/v1/cases').expect(200)).body).toEqual([]);

    // The pending cluster at Kim Đồng is the commune's to review now, no longer the district's.
    await createUser(fx.models, 'xa@example.vn', 'unit_manager', 'XA-BINHAN');
    const xa = await signIn(ctx.app, 'xa@example.vn');
    expect(await reviewPage(pgd!)).not.toContain(clusterRow());
    expect(await reviewPage(xa)).toContain(clusterRow());
    expect((await fx.models.Response.find({ addressHash: 'K'.repeat(22) }).lean()).every((r) => r.unitAncestors.join() === 'SGD,XA-BINHAN')).toBe(true);
  });

  it('when the same file is imported again, then nothing moves and no recompute is asked for', async () => {
    const so = await signIn(ctx.app, 'so@example.vn');
    const before = await fx.models.Unit.find({}, { _id: 0, updatedAt: 0 }).sort({ code: 1 }).lean();
    const state = await fx.models.Setting.collection.findOne({ _id: 'unit-rechain' } as never);
    const token = csrfFrom((await so.get('/admin/units').expect(200)).text);
    await so.post('/admin/units/import').type('form').send({ _csrf: token, csv: REORGANISATION }).expect(200);
    expect(await fx.models.Unit.find({}, { _id: 0, updatedAt: 0 }).sort({ code: 1 }).lean()).toEqual(before);
    expect((await fx.models.Setting.collection.findOne({ _id: 'unit-rechain' } as never))?.requested).toBe(state?.requested);
  });

  it('while a recompute is due, the API and the pages say the figures are being recomputed', async () => {
    const so = await signIn(ctx.app, 'so@example.vn');
    await requestRechain(fx.models);
    expect((await stats(so, 'SGD').expect(200)).body.recomputing).toEqual({ scanned: expect.any(Number), total: expect.any(Number) });
    expect((await so.get('/admin/dashboard').expect(200)).text).toContain('id="recomputing"');
    expect((await so.get('/admin').expect(200)).text).toContain('id="recomputing"');
    await expect(runRechain(fx.models, ctx.instance.projector)).resolves.toBe(true);
    expect((await stats(so, 'SGD').expect(200)).body.recomputing).toBeNull();
    expect((await so.get('/admin/dashboard').expect(200)).text).not.toContain('id="recomputing"');
  });

  it('when a move is cut off after its batch opened and only its figures were written, then the next projector finishes it exactly', async () => {
    const kimDong = await fx.models.Response.find({ unitCode: 'TH-KIMDONG' }).lean();
    // Kim Đồng's answers go back to the district (as another import would), and the instance dies mid-batch.
    const { projector } = ctx.instance;
    await projector.write({ _id: newItemId(), kind: 'move', at: now, responseIds: kimDong.map((r) => r._id), to: { ancestors: ['SGD', 'PGD-A'] } });
    await cutOffBatch(ctx.db.connection, (plan) => ({ ...plan, docs: {}, inserts: {} }));
    const so = await signIn(ctx.app, 'so@example.vn');
    // Half applied: the figures moved, the answers and their list entries not yet.
    expect(await n(so, 'PGD-A')).toBe(2);
    expect((await fx.models.Response.find({ unitCode: 'TH-KIMDONG' }).lean()).every((r) => r.unitAncestors.join() === 'SGD,XA-BINHAN')).toBe(true);

    await projector.drainAll();
    await projector.drainAll();

    expect(await n(so, 'PGD-A')).toBe(2);
    expect(await n(so, 'XA-BINHAN')).toBe(0);
    expect((await fx.models.Response.find({ unitCode: 'TH-KIMDONG' }).lean()).every((r) => r.unitAncestors.join() === 'SGD,PGD-A')).toBe(true);
    expect(await recountDiffers()).toEqual([]);
    expect((await recountProjections(fx.models, scaleOf, { fix: false })).lists.differences).toEqual([]);
  });
});
