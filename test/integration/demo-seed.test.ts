import { createModels, type Models } from '../../src/models';
import { seedDemo } from '../../src/seed/demo-seed';
import { countedInFigures } from '../helpers/figure-counts';
import { connectTestDatabase } from '../helpers/test-db';
import type { Database } from '../../src/db';
import { Projector } from '../../src/projector/projector';

describe('demo seed', () => {
  let db: Database;
  /** one for the file: an import nested in a recount (below) runs inside the same projector's lease */
  let projector: Projector;
  let models: Models;
  beforeAll(async () => {
    db = await connectTestDatabase();
    projector = new Projector(db.connection);
    models = createModels(db.connection);
  });
  afterAll(() => db.close());

  const respondentsInRollups = () => countedInFigures(models);

  it('when run twice with a larger count, then it adds only what is missing and the rollups equal the responses', async () => {
    const now = new Date('2026-11-15T05:00:00Z');
    const first = await seedDemo(models, { responses: 120, now, projector: projector });
    expect(first.responsesAdded).toBe(120);
    expect(first.linksCreated).toBeGreaterThan(20);
    const again = await seedDemo(models, { responses: 150, now, projector: projector });
    expect(again).toMatchObject({ linksCreated: 0, responsesAdded: 30, dossiersAdded: 0 });
    // A year of the desk's dossiers, seeded once: a few percent late, some still open.
    expect(first.dossiersAdded).toBe(600);
    expect(await models.Dossier.countDocuments()).toBe(600);
    const figures = await models.DossierFigure.find({ scope: 'SGD' }).lean();
    const returned = figures.reduce((sum, f) => sum + f.returned, 0);
    const onTime = figures.reduce((sum, f) => sum + f.onTime, 0);
    expect(returned).toBeGreaterThan(500);
    expect(1 - onTime / returned).toBeGreaterThan(0.01);
    expect(1 - onTime / returned).toBeLessThan(0.1);
    expect(figures.some((f) => f.openDue.length > 0)).toBe(true);
    // Rated dossiers: as many claims as the first run's desk answers that named a dossier.
    const ratedAnswers = await models.Response.countDocuments({ ratedDossier: true });
    expect(ratedAnswers).toBeGreaterThan(0);
    expect(figures.reduce((sum, f) => sum + f.rated, 0)).toBeGreaterThan(0);
    expect(await models.DossierClaim.countDocuments()).toBeLessThanOrEqual(ratedAnswers);
    expect(await models.Response.countDocuments({ synthetic: true })).toBe(150);
    expect(await respondentsInRollups()).toBe(150);
    const periods = await models.Response.distinct('period');
    expect(periods.every((p) => p >= '2025-12' && p <= '2026-11')).toBe(true);
    expect(await models.Unit.countDocuments()).toBe(first.units);
    // Views to go with the answers (five for every four), so the demo's response rate is believable.
    const views = (await models.LinkView.find().lean()).reduce((sum, v) => sum + v.views, 0);
    expect(views).toBeGreaterThanOrEqual(150 * 1.25);
    expect(views).toBeLessThan(150 * 1.25 + 2 * (await models.LinkView.countDocuments()) + 1);
  });

  it('when every synthetic response is counted per unit, then each response sits in its unit subtree', async () => {
    const sample = await models.Response.findOne({ unitCode: 'TH-KIMDONG-TPM' }).lean();
    expect(sample?.unitAncestors).toEqual(['SGD', 'PGD-TPM']);
    expect(sample?.synthetic).toBe(true);
  });
});
