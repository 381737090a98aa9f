import request from 'supertest';
import { createLink } from '../../src/links/link.service';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../../src/surveys/survey-catalog';
import { createApiToken, createUser, signIn } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { TWO_DISTRICTS } from '../helpers/admin-fixtures';

const UNITS = TWO_DISTRICTS;

type Caller = { name: string; get: (path: string) => request.Test };

/** Which units each caller may read: its subtree (super admin and department staff: everything). */
const READABLE: Record<string, string[]> = {
  super: ['SGD', 'PGD-A', 'TH-A', 'PGD-B', 'TH-B'],
  department: ['SGD', 'PGD-A', 'TH-A', 'PGD-B', 'TH-B'],
  managerA: ['PGD-A', 'TH-A'],
  viewerTHA: ['TH-A'],
  tokenA: ['PGD-A', 'TH-A'],
};

describe('role-by-route matrix: nobody reads another subtree', () => {
  let ctx: TestContext;
  let models: Models;
  const callers: Record<string, Caller> = {};

  beforeAll(async () => {
    ctx = await createTestContext();
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.insertMany(UNITS);
    await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
    await seedTargets(models.Target);
    const catalog = new SurveyCatalog(models.Survey);
    for (const unitCode of ['TH-A', 'TH-B']) await createLink({ ...models, catalog }, { surveyKey: 'edu-parent-tieuhoc', unitCode }, new Date());
    await createUser(models, 'super@x.vn', 'super_admin', 'SGD');
    await createUser(models, 'dept@x.vn', 'department', 'SGD');
    await createUser(models, 'manager@x.vn', 'unit_manager', 'PGD-A');
    await createUser(models, 'viewer@x.vn', 'viewer', 'TH-A');
    for (const [name, email] of [
      ['super', 'super@x.vn'],
      ['department', 'dept@x.vn'],
      ['managerA', 'manager@x.vn'],
      ['viewerTHA', 'viewer@x.vn'],
    ] as const) {
      const agent = await signIn(ctx.app, email);
      callers[name] = { name, get: (path) => agent.get(path) };
    }
    const token = await createApiToken(models, 'PGD-A');
    callers.tokenA = { name: 'tokenA', get: (path) => request(ctx.app).get(path).set('Authorization', `Bearer ${token}`) };
  });
  afterAll(() => ctx.close());

  it.each(Object.keys(READABLE))('when %s asks for stats of each unit, then only its subtree answers 200 and the rest 403', async (name) => {
    for (const unit of UNITS) {
      const res = await callers[name]!.get(`/api/v1/stats?unit=${unit.code}`);
      expect([unit.code, res.status]).toEqual([unit.code, READABLE[name]!.includes(unit.code) ? 200 : 403]);
    }
  });

  it.each(Object.keys(READABLE))('when %s lists links, then every link returned is inside its subtree', async (name) => {
    const res = await callers[name]!.get('/api/v1/links').expect(200);
    const units = res.body.map((l: { unit: { code: string } }) => l.unit.code);
    for (const code of units) expect(READABLE[name]).toContain(code);
    expect(units.length).toBe(['TH-A', 'TH-B'].filter((c) => READABLE[name]!.includes(c)).length);
    for (const link of res.body) expect(link).toMatchObject({ kind: 'education', channel: 'form', survey: { id: 'edu-parent-tieuhoc', version: 1 } });
  });

  it.each(['super', 'department', 'managerA', 'viewerTHA'])('when %s opens the dashboard for each unit, then only its subtree renders', async (name) => {
    for (const unit of UNITS) {
      const res = await callers[name]!.get(`/admin?unit=${unit.code}`);
      expect([unit.code, res.status]).toEqual([unit.code, READABLE[name]!.includes(unit.code) ? 200 : 403]);
    }
  });

  it('when a caller gives no unit, then the default scope is its own unit', async () => {
    expect((await callers.viewerTHA!.get('/api/v1/stats').expect(200)).body.scope.unit.code).toBe('TH-A');
    expect((await callers.tokenA!.get('/api/v1/stats').expect(200)).body.scope.unit.code).toBe('PGD-A');
  });

  it('when the dashboard unit picker is rendered, then it offers only units in scope', async () => {
    const page = await callers.managerA!.get('/admin/dashboard').expect(200);
    expect(page.text).toContain('value="TH-A"');
    expect(page.text).not.toContain('value="TH-B"');
    expect(page.text).not.toContain('value="SGD"');
  });
});
