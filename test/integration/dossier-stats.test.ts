import request from 'supertest';
import { importDossiers } from '../../src/dossiers/dossier-import';
import { createModels, type Models } from '../../src/models';
import { normalizeDossierCode, saltedHash } from '../../src/responses/hashing';
import { saltProvider } from '../../src/settings.salt';
import { PLAN_2021_2025_CARRIED, seedTargets } from '../../src/stats/target.model';
import { createApiToken } from '../helpers/admin-fixtures';
import { FIXTURE_UNITS } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { DOSSIER_FILE as FILE, DOSSIER_NOW as NOW } from '../helpers/dossier-fixtures';

/** The Wilson 95% interval written out again here, so the API is checked against a second computation. */
function wilson(k: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [centre - half, centre + half];
}

/** `GET /api/v1/dossier-stats` on the hand-worked fixture of helpers/dossier-fixtures.ts (issue 15). */
describe('GET /api/v1/dossier-stats', () => {
  let ctx: TestContext;
  let models: Models;
  let provinceToken: string;
  let schoolToken: string;

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => NOW });
    models = createModels(ctx.db.connection);
    await models.Unit.insertMany(FIXTURE_UNITS);
    await seedTargets(models.Target);
    const salt = await saltProvider(models.Setting)();
    await models.DossierClaim.create({ _id: `tthc-sipas:${saltedHash(salt, normalizeDossierCode('HS-1'))}`, retryTag: 'x' });
    expect((await importDossiers(models, ctx.instance.projector, salt, Buffer.from(FILE), NOW)).errors).toEqual([]);
    provinceToken = await createApiToken(models, 'SGD');
    schoolToken = await createApiToken(models, 'THCS-LELOI');
  });
  afterAll(() => ctx.close());

  const get = (query: string, token = provinceToken) => request(ctx.app).get(`/api/v1/dossier-stats?${query}`).set('Authorization', `Bearer ${token}`);

  it('when the desk is asked for February to April, then the months and the headline are the hand-worked ones', async () => {
    const res = await get('unit=MOTCUA&from=2026-02&to=2026-04');
    expect(res.body.error).toBeUndefined();
    expect(res.body.byMonth).toEqual([
      { period: '2026-02', n: 0, onTime: 0, share: null, target: 0.98 },
      { period: '2026-03', n: 4, onTime: 2, share: 0.5, target: 0.98 },
      { period: '2026-04', n: 1, onTime: 0, share: 0, target: 0.98 },
    ]);
    const [low, high] = wilson(2, 5);
    expect(res.body.headline).toEqual({
      n: 5,
      onTime: 2,
      share: 0.4,
      ci95: [expect.closeTo(low, 10), expect.closeTo(high, 10)],
      target: 0.98,
      targetSource: PLAN_2021_2025_CARRIED,
      status: 'insufficient',
    });
    expect(res.body.rated).toEqual({ n: 1, share: 0.25, satisfaction: { n: 0, satisfied: 0, share: null, ci95: null, suppressed: false } });
    expect(res.body.formula).toMatchObject({ id: 'dossier-on-time', version: '1.0' });
    // By channel: direct #1 (on time), #7 (late), #5 (open, late by now); online #2 (on time), #3 (late).
    expect(res.body.byChannel.map((r: { key: string; n: number; onTime: number }) => [r.key, r.n, r.onTime])).toEqual([
      ['direct', 3, 1],
      ['online', 2, 1],
    ]);
    expect(res.body.byProcedure.map((r: { key: string; label: string; n: number; onTime: number }) => [r.key, r.label, r.n, r.onTime])).toEqual([
      ['TTHC-VB', 'Cấp bản sao văn bằng', 5, 2],
    ]);
  });

  it('when the province asks for its whole subtree, then the desk and its own dossiers count together', async () => {
    const res = await get('unit=SGD&from=2026-03&to=2026-04').expect(200);
    expect(res.body.byMonth.map((m: { n: number; onTime: number }) => [m.n, m.onTime])).toEqual([
      [5, 3],
      [1, 0],
    ]);
    expect(res.body.headline).toMatchObject({ n: 6, onTime: 3, share: 0.5 });
  });

  it('when the caller has no credentials or asks outside its units, then 401 and 403; a bad month is 400', async () => {
    await request(ctx.app).get('/api/v1/dossier-stats?unit=MOTCUA').expect(401);
    await get('unit=MOTCUA', schoolToken).expect(403);
    await get('unit=MOTCUA&from=2026-13').expect(400);
  });
});
