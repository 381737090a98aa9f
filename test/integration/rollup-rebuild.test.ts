import type { Collection } from 'mongoose';
import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import { unpackFigures } from '../../src/rollups/figure.model';
import { rebuildRollups } from '../../src/rollups/rebuild';
import { seedDemo } from '../../src/seed/demo-seed';
import { connectTestDatabase } from '../helpers/test-db';

describe('rollups:rebuild', () => {
  let db: Database;
  let models: Models;
  const scaleOf = async (key: string) => (key === 'tthc-quick' ? 3 : 5);
  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    await seedDemo(models, { responses: 300, now: new Date('2026-11-10T03:00:00Z') });
  });
  afterAll(() => db.close());

  it('when the incremental rollups are intact, then the recount finds zero difference', async () => {
    const report = await rebuildRollups(models, scaleOf, { fix: false });
    expect(report.responses).toBe(300);
    expect(report.differences).toEqual([]);
  });

  it('when rollups drift (a wrong count, a lost document, a stray one), then --check finds each and a rebuild repairs them', async () => {
    const raw = models.Rollup.collection as unknown as Collection<{ _id: string }>;
    const [first, second] = await models.Rollup.find().sort({ _id: 1 }).limit(2).lean();
    await raw.updateOne({ _id: first!._id }, { $inc: { respondents: 1, 'items.overall.s5': 1 } });
    await raw.deleteOne({ _id: second!._id });
    await raw.insertOne({ _id: '2020-01|edu-parent-thcs|NOWHERE', respondents: 3, items: { overall: { s4: 3 } } } as never);
    const check = await rebuildRollups(models, scaleOf, { fix: false });
    expect(check.differences.sort()).toEqual([first!._id, second!._id, '2020-01|edu-parent-thcs|NOWHERE'].sort());
    // A figure document drifts too: found and rewritten like the leaves.
    const figure = (await models.Figure.find().sort({ _id: 1 }).limit(1).lean())[0]!;
    const drifted = unpackFigures(figure);
    drifted.respondents += 2;
    await (models.Figure.collection as unknown as Collection<{ _id: string }>).updateOne({ _id: figure._id }, { $set: { data: JSON.stringify(drifted) } });
    expect((await rebuildRollups(models, scaleOf, { fix: false })).differences).toContain(figure._id);
    const fixed = await rebuildRollups(models, scaleOf, { fix: true });
    expect(fixed.fixed).toBe(true);
    expect((await rebuildRollups(models, scaleOf, { fix: false })).differences).toEqual([]);
    const restored = await models.Rollup.findById(second!._id).lean();
    expect(restored?.respondents).toBe(second!.respondents);
    expect(restored?.unitAncestors).toEqual(second!.unitAncestors);
  });

  it('when a response is flagged (not counted), then the recount leaves it out', async () => {
    await models.Response.updateOne({ synthetic: true }, { $set: { counted: false } });
    const report = await rebuildRollups(models, scaleOf, { fix: false });
    expect(report.responses).toBe(299);
    // Its leaf rollup, and the figure documents of its unit and of every unit above it.
    const [leaf, ...figures] = report.differences;
    const [period, , unitCode] = leaf!.split('|');
    const unit = await models.Unit.findOne({ code: unitCode }).lean();
    const scopes = [unit!.code, ...unit!.ancestors];
    expect(figures.sort()).toEqual(scopes.map((scope) => `${period}|education|${scope}|*`).sort());
  });
});
