import request from 'supertest';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { PLAN_2021_2025_CARRIED, seedTargets } from '../../src/stats/target.model';
import { addViews } from '../../src/forms/view-counter';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createUser, signIn } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

const U: Record<string, Unit> = {
  SGD: { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  'PGD-A': { code: 'PGD-A', name: 'Phòng GDĐT An Phú', type: 'district_office', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-A': { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  'TH-B': { code: 'TH-B', name: 'Tiểu học B', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  'THCS-C': { code: 'THCS-C', name: 'THCS C', type: 'school', level: 'thcs', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  'MN-D': { code: 'MN-D', name: 'Mầm non D', type: 'school', level: 'mamnon', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  'THPT-E': { code: 'THPT-E', name: 'THPT E', type: 'school', level: 'thpt', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
  'GDTX-F': { code: 'GDTX-F', name: 'GDTX F', type: 'center', level: 'gdtx', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
};

const repeat = (score: number, count: number) => Array<number>(count).fill(score);

/**
 * A fixture whose figures were worked out by hand (target 85% for education in 2026, minimum n 30, k 5):
 *   TH-A   40 × 5                  -> 40/40  = 100%   [91.24%, 100%]   met
 *   TH-B   60 × 4, 40 × 2          -> 60/100 = 60%    [50.20%, 69.06%] below (upper bound < 85%)
 *   THCS-C 26 × 4, 6 × 3           -> 26/32  = 81.25% [64.69%, 91.11%] uncertain
 *   MN-D   10 × 5                  -> 10/10  = 100%                    insufficient (n < 30)
 *   THPT-E 3 × 5                   -> suppressed in breakdowns (n < 5)
 *   GDTX-F nothing                 -> n = 0
 *   province: 139/185 = 75.14% [68.44%, 80.81%] below; mean 707/185 = 3.8216
 */
async function seedFixture(models: Models) {
  await ensureIndexes(models);
  await models.Unit.insertMany(Object.values(U));
  await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
  await seedTargets(models.Target);
  const edu = (unit: Unit, scores: number[]) =>
    addResponses(models, { unit, surveyKey: `edu-parent-${unit.level}`, kind: 'education', scale: 5, period: '2026-10', scores });
  await edu(U['TH-A']!, repeat(5, 40));
  await edu(U['TH-B']!, [...repeat(4, 60), ...repeat(2, 40)]);
  await edu(U['THCS-C']!, [...repeat(4, 26), ...repeat(3, 6)]);
  await edu(U['MN-D']!, repeat(5, 10));
  await edu(U['THPT-E']!, repeat(5, 3));
}

describe('satisfaction figures on a hand-worked fixture', () => {
  let ctx: TestContext;
  let models: Models;
  let agent: request.Agent;
  beforeAll(async () => {
    ctx = await createTestContext();
    models = createModels(ctx.db.connection);
    await seedFixture(models);
    await createUser(models, 'so@example.vn', 'department', 'SGD');
    agent = await signIn(ctx.app, 'so@example.vn');
  });
  afterAll(() => ctx.close());

  const stats = async (unit: string) => (await agent.get(`/api/v1/stats?kind=education&unit=${unit}&from=2026-10&to=2026-10`).expect(200)).body;

  it('when the whole province is asked, then share, interval, mean and status are the hand-worked ones', async () => {
    const body = await stats('SGD');
    expect(body.headline).toMatchObject({ n: 185, satisfied: 139, target: 0.85, status: 'below' });
    expect(body.headline.share).toBeCloseTo(0.75135, 4);
    expect(body.headline.ci95[0]).toBeCloseTo(0.68438, 3);
    expect(body.headline.ci95[1]).toBeCloseTo(0.8081, 3);
    expect(body.headline.mean).toBeCloseTo(3.82162, 4);
    expect(body.byMonth).toEqual([expect.objectContaining({ period: '2026-10', n: 185, satisfied: 139, target: 0.85 })]);
    expect(body.formula).toMatchObject({ id: 'top2-share', version: '1.0' });
    expect(body.formula.text).toContain('Wilson');
  });

  it('when each school is asked alone, then met, below, uncertain and insufficient come out as worked', async () => {
    expect((await stats('TH-A')).headline).toMatchObject({ n: 40, satisfied: 40, share: 1, status: 'met' });
    const b = (await stats('TH-B')).headline;
    expect(b).toMatchObject({ n: 100, satisfied: 60, share: 0.6, mean: 3.2, status: 'below' });
    expect(b.ci95[1]).toBeCloseTo(0.6906, 3);
    const c = (await stats('THCS-C')).headline;
    expect(c).toMatchObject({ n: 32, satisfied: 26, share: 0.8125, status: 'uncertain' });
    expect(c.ci95[0]).toBeCloseTo(0.6469, 3);
    // THPT-E's 3 answers sit directly under the province, so "province minus PGD-A" would give them away: the province
    // takes in the smallest atom near it, MN-D's 10 answers (stats/disclosure.ts), and MN-D (with PGD-A) is hidden.
    expect((await stats('MN-D')).headline).toMatchObject({ n: 10, share: null, suppressed: true, status: 'insufficient' });
    expect((await stats('PGD-A')).headline).toMatchObject({ n: 182, share: null, suppressed: true });
  });

  it('when fewer form views were counted than respondents, then no response rate is shown; with views counted, the rate is respondents over views', async () => {
    // The fixture's answers were stored without their form views (as an import or a seed would).
    const before = (await stats('TH-A')).responses;
    expect(before).toEqual({ respondents: 40, views: 0, rate: null, viewsCounted: false, late: 0 });
    await addViews(models.LinkView, { count: 50, linkCode: 'L-TH-A', unitCode: 'TH-A', scopes: ['TH-A', 'PGD-A', 'SGD'], period: '2026-10' });
    expect((await stats('TH-A')).responses).toEqual({ respondents: 40, views: 50, rate: 0.8, viewsCounted: true, late: 0 });
    // The province: 185 respondents, 50 views counted: never a rate above 100%.
    expect((await stats('SGD')).responses).toMatchObject({ respondents: 185, views: 50, rate: null, viewsCounted: false });
    const page = await agent.get('/admin?kind=education&unit=SGD&from=2026-10&to=2026-10').expect(200);
    expect(page.text).toContain('lượt mở phiếu chưa được đếm đủ');
  });

  it('when a unit has no responses, then n is 0, share and interval are null and the status is insufficient', async () => {
    expect((await stats('GDTX-F')).headline).toEqual({
      n: 0,
      satisfied: 0,
      share: null,
      ci95: null,
      mean: null,
      target: 0.85,
      targetSource: PLAN_2021_2025_CARRIED,
      status: 'insufficient',
      suppressed: false,
    });
  });

  it('when breakdowns are computed, then units come lowest first and cells under 5 are suppressed', async () => {
    const body = await stats('SGD');
    expect(body.byUnit.slice(0, 3).map((u: { key: string }) => u.key)).toEqual(['TH-B', 'THCS-C', 'TH-A']);
    const e = body.byUnit.find((u: { key: string }) => u.key === 'THPT-E');
    expect(e).toMatchObject({ n: 3, suppressed: true, share: null, satisfied: null, mean: null });
    expect(body.byUnit[body.byUnit.length - 1].key).toBe('THPT-E');
    const level = Object.fromEntries(body.byLevel.map((l: { key: string; share: number | null }) => [l.key, l.share]));
    expect(level.tieuhoc).toBeCloseTo(100 / 140, 6);
    expect(level.thpt).toBeNull();
    // Bình Sơn (3) is hidden; An Phú is its only sibling, so the province minus An Phú would give it away: hidden too.
    const district = body.byDistrict.find((d: { key: string }) => d.key === 'An Phú');
    expect(district).toMatchObject({ n: 182, satisfied: null, share: null, suppressed: true });
    expect(body.byDistrict.find((d: { key: string }) => d.key === 'Bình Sơn')).toMatchObject({ n: 3, suppressed: true });
  });

  it('when the dashboard shows the same filter, then its figures equal the API', async () => {
    for (const unit of ['SGD', 'TH-B', 'THCS-C']) {
      const api = await stats(unit);
      const page = await agent.get(`/admin?kind=education&unit=${unit}&from=2026-10&to=2026-10`).expect(200);
      expect(page.text).toContain(`data-share="${api.headline.share}"`);
      expect(page.text).toContain(`n = ${api.headline.n}`);
    }
    const b = await agent.get('/admin?kind=education&unit=TH-B&from=2026-10&to=2026-10');
    expect(b.text).toContain('60,0%');
    expect(b.text).toContain('Chưa đạt chỉ tiêu');
    expect(b.text).toContain('top2-share');
    const province = await agent.get('/admin?kind=education&unit=SGD&from=2026-10&to=2026-10');
    expect(province.text).toContain('75,1%');
    expect(province.text).toContain('Ẩn (dưới 5 phiếu)');
  });

  it('when query parameters are malformed, then the API answers 400 with a JSON reason', async () => {
    for (const query of ['kind=other', 'from=2026-13', 'from=2026-10&to=2026-01', 'unit=%24gt', 'from=2020-01&to=2026-01']) {
      const res = await agent.get(`/api/v1/stats?${query}`).expect(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    await agent.get('/api/v1/stats?unit=NOPE').expect(404);
  });
});
