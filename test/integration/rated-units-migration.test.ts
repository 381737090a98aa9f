import request from 'supertest';
import type { Models } from '../../src/models';
import { LIST_SECONDS_MIGRATION } from '../../src/review/list-migration';
import { migrateToProjector, PROJECTOR_MIGRATION } from '../../src/projector/migration';
import { packFigures, unpackFigures, type FigureDoc } from '../../src/figures/figure.model';
import { runOnce } from '../../src/settings.model';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createApiToken, seedProvince } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Figure documents written before they counted each unit's rated answers (`ratedUnits`, rollups/counters.ts): the
 * satisfaction of rated dossiers cannot be checked against the atoms (stats/disclosure.ts), so it stays hidden
 * until the one-time recount (`figures-rated-units`, projector/migration.ts) has rewritten them.
 */
const UNITS: Unit[] = [
  { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  { code: 'MOTCUA', name: 'Bộ phận một cửa', type: 'desk', parentCode: 'SGD', ancestors: ['SGD'] },
];

describe('the one-time recount of figures for rated answers per unit', () => {
  let ctx: TestContext;
  let models: Models;
  let token: string;
  const rated = async () =>
    (await request(ctx.app).get('/api/v1/dossier-stats?unit=SGD&from=2026-11&to=2026-11').set('authorization', `Bearer ${token}`).expect(200)).body.rated
      .satisfaction;

  beforeAll(async () => {
    ctx = await createTestContext();
    models = await seedProvince(ctx.db.connection, UNITS);
    await runOnce(models.Setting, PROJECTOR_MIGRATION, () => Promise.resolve());
    await runOnce(models.Setting, LIST_SECONDS_MIGRATION, () => Promise.resolve());
    const desk = UNITS[1]!;
    await addResponses(models, {
      unit: desk,
      surveyKey: 'tthc-sipas',
      kind: 'tthc',
      scale: 5,
      period: '2026-11',
      scores: [5, 5, 5, 4, 2, 1],
      ratedDossier: true,
    });
    await addResponses(models, { unit: desk, surveyKey: 'tthc-sipas', kind: 'tthc', scale: 5, period: '2026-11', scores: [5, 4, 4, 3, 2] });
    token = await createApiToken(models, 'SGD');
  });
  afterAll(() => ctx.close());

  it('when the figure documents predate the per-unit count, then the rated figure is hidden until the recount, and shown after it', async () => {
    expect(await rated()).toMatchObject({ n: 6, satisfied: 4, suppressed: false });
    // As an earlier version wrote them: no `ratedUnits`.
    const figures = ctx.db.connection.collection<FigureDoc>('figures');
    for (const doc of await figures.find({}).toArray()) {
      const { ratedUnits, ...data } = unpackFigures(doc);
      if (ratedUnits) await figures.updateOne({ _id: doc._id }, { $set: { data: packFigures(data) } });
    }
    expect(await rated()).toMatchObject({ n: 6, satisfied: null, suppressed: true });
    expect(await migrateToProjector(models, new SurveyCatalog(models.Survey).scaleOf, ctx.instance.projector)).toBe(true);
    expect(await rated()).toMatchObject({ n: 6, satisfied: 4, suppressed: false });
    expect(await migrateToProjector(models, new SurveyCatalog(models.Survey).scaleOf, ctx.instance.projector)).toBe(false);
  });
});
