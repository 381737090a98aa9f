import request from 'supertest';
import { importDossiers } from '../../src/dossiers/dossier-import';
import { rebuildRollups } from '../../src/figures/rebuild';
import { saltProvider } from '../../src/settings.salt';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { createApiToken } from '../helpers/admin-fixtures';
import { allAnswers, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Issue 15, item 2: "the satisfaction of rated dossiers". The desk's SIPAS answers that name a dossier code are
 * counted apart in the figures, never joined to the dossier (the claim holds only the code's salted hash).
 */
const now = new Date('2026-11-10T03:00:00Z');

describe('the satisfaction of rated dossiers', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let token: string;
  const sipas = () => `/s/${fx.links['tthc-sipas']}`;
  const rate = async (score: number, dossierCode?: string) => {
    const fields = { ...allAnswers(fx.instrument('tthc-sipas'), score), ...(dossierCode ? { dossier_code: dossierCode } : {}) };
    expect((await fillAndSubmit(request.agent(ctx.app), sipas(), fields)).res.status).toBe(303);
  };
  const rated = async () =>
    (await request(ctx.app).get('/api/v1/dossier-stats?unit=SGD&from=2026-11&to=2026-11').set('Authorization', `Bearer ${token}`).expect(200)).body.rated
      .satisfaction;

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => now });
    fx = await seedSurveyFixtures(ctx.db, now);
    token = await createApiToken(fx.models, 'SGD');
  });
  afterAll(() => ctx.close());

  it('when fewer than k answers named a dossier, then the figure is hidden but counted', async () => {
    await rate(5, 'HS-2026-0001');
    await rate(4, 'HS-2026-0002');
    await rate(5); // no dossier code: not a rated dossier
    expect(await rated()).toEqual({ n: 2, satisfied: null, share: null, ci95: null, suppressed: true });
  });

  it('when more answers name dossiers, then their top-two share is shown; a code rated twice and answers without a code are left out', async () => {
    await rate(2, 'HS-2026-0003');
    await rate(5, 'HS-2026-0004');
    await rate(5, 'HS-2026-0005');
    await rate(1, 'hs-2026-0001'); // the same dossier as the first, written otherwise: flagged, not counted
    // Answers without a code, k of them in all: fewer, and the TTHC headline minus this figure would give them away.
    for (const score of [1, 4, 4, 3]) await rate(score);
    const body = await rated();
    expect(body).toMatchObject({ n: 5, satisfied: 4, share: 0.8, suppressed: false });
    expect(body.ci95[0]).toBeLessThan(0.8);
    expect(body.ci95[1]).toBeGreaterThan(0.8);
    expect(await fx.models.Response.countDocuments({ flags: 'dossier_reused' })).toBe(1);
    const { differences } = await rebuildRollups(fx.models, new SurveyCatalog(fx.models.Survey).scaleOf, { fix: false });
    expect(differences).toEqual([]);
  });

  it('when the scope holds no desk, then there is no such figure', async () => {
    const school = await createApiToken(fx.models, 'THCS-LELOI');
    const body = (
      await request(ctx.app).get('/api/v1/dossier-stats?unit=THCS-LELOI&from=2026-11&to=2026-11').set('Authorization', `Bearer ${school}`).expect(200)
    ).body;
    expect(body.rated.satisfaction).toEqual({ n: 0, satisfied: 0, share: null, ci95: null, suppressed: false });
  });

  it('when dossiers are imported and more answers name them later, then the rated count follows each answer at once, once per dossier', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => `HS-2026-000${i + 1},TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-11-02,2026-11-06,2026-11-05,direct,false`);
    const file = ['dossier_code,procedure_code,procedure_name,unit_code,received_at,due_at,returned_at,channel,apology_sent', ...rows].join('\n');
    const salt = await saltProvider(fx.models.Setting)();
    expect((await importDossiers(fx.models, ctx.instance.projector, salt, Buffer.from(file), now)).errors).toEqual([]);
    const ratedShare = async () =>
      (await request(ctx.app).get('/api/v1/dossier-stats?unit=SGD&from=2026-11&to=2026-11').set('Authorization', `Bearer ${token}`).expect(200)).body.rated;
    expect(await ratedShare()).toMatchObject({ n: 5 });
    await rate(4, 'HS-2026-0006');
    expect(await ratedShare()).toMatchObject({ n: 6, share: 6 / 7 });
    // The same dossier again (flagged, not a second claim) and a dossier code no import holds: the count stays.
    await rate(3, 'HS-2026-0006');
    await rate(5, 'HS-2026-0099');
    expect(await ratedShare()).toMatchObject({ n: 6, share: 6 / 7 });
    // The next import's recount from the claims finds what the projector added, and the desk's own scope agrees.
    expect((await importDossiers(fx.models, ctx.instance.projector, salt, Buffer.from(file), now)).errors).toEqual([]);
    expect(await ratedShare()).toMatchObject({ n: 6, share: 6 / 7 });
    const desk = (await fx.models.DossierFigure.findById('2026-11|MOTCUA').lean())!;
    expect({ returned: desk.returned, rated: desk.rated }).toEqual({ returned: 7, rated: 6 });
  });
});
