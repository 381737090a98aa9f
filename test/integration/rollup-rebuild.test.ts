import type { Collection } from 'mongoose';
import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import type { ResponseDoc } from '../../src/responses/response.model';
import { addIncrements, leafIncrement, nest } from '../../src/figures/counters';
import { emptyFigureData, packFigures, unpackFigures, type FigureDoc } from '../../src/figures/figure.model';
import { migrateToFigureDocs, retireLeafRollups } from '../../src/figures/migrate-figures';
import { rebuildRollups } from '../../src/figures/rebuild';
import { seedDemo } from '../../src/seed/demo-seed';
import { connectTestDatabase } from '../helpers/test-db';
import { Projector } from '../../src/projector/projector';

describe('rollups:rebuild and the figure migration', () => {
  let db: Database;
  /** one for the file: an import nested in a recount (below) runs inside the same projector's lease */
  let projector: Projector;
  let models: Models;
  const scaleOf = (key: string) => Promise.resolve(key === 'tthc-quick' ? 3 : 5);
  beforeAll(async () => {
    db = await connectTestDatabase();
    projector = new Projector(db.connection);
    models = createModels(db.connection);
    await seedDemo(models, { responses: 300, now: new Date('2026-11-10T03:00:00Z'), projector: projector });
  });
  afterAll(() => db.close());

  it('when the incremental rollups are intact, then the recount finds zero difference', async () => {
    const report = await rebuildRollups(models, scaleOf, { fix: false });
    expect(report.responses).toBe(300);
    expect(report.differences).toEqual([]);
  });

  const rawFigures = () => models.Figure.collection as unknown as Collection<FigureDoc>;

  it('when figure documents drift (a wrong count, a lost document, a stray one), then --check finds each and a rebuild repairs them', async () => {
    const [first, second] = await models.Figure.find().sort({ _id: 1 }).limit(2).lean();
    const drifted = unpackFigures(first!);
    drifted.respondents += 2;
    await rawFigures().updateOne({ _id: first!._id }, { $set: { data: packFigures(drifted) } });
    await rawFigures().deleteOne({ _id: second!._id });
    const stray = { ...emptyFigureData(), respondents: 3 };
    await rawFigures().insertOne({
      _id: '2020-01|education|NOWHERE|*',
      period: '2020-01',
      kind: 'education',
      scope: 'NOWHERE',
      level: '*',
      rev: 1,
      data: packFigures(stray),
    });
    const check = await rebuildRollups(models, scaleOf, { fix: false });
    expect(check.differences.sort()).toEqual([first!._id, second!._id, '2020-01|education|NOWHERE|*'].sort());
    const fixed = await rebuildRollups(models, scaleOf, { fix: true });
    expect(fixed.fixed).toBe(true);
    expect((await rebuildRollups(models, scaleOf, { fix: false })).differences).toEqual([]);
    const restored = await models.Figure.findById(second!._id).lean();
    expect(unpackFigures(restored!)).toEqual(unpackFigures(second!));
    expect(restored?.scope).toBe(second!.scope);
  });

  it('when a response is flagged (not counted), then the recount leaves it out', async () => {
    const response = (await models.Response.findOne({ synthetic: true, counted: true }).lean<ResponseDoc>())!;
    await models.Response.updateOne({ _id: response._id }, { $set: { counted: false } });
    const report = await rebuildRollups(models, scaleOf, { fix: false });
    expect(report.responses).toBe(299);
    // The figure documents of its unit and of every unit above it, and the province's blanks if it left any.
    const scopes = [response.unitCode, ...response.unitAncestors];
    const root = response.unitAncestors[0] ?? response.unitCode;
    expect(report.differences.sort()).toEqual(
      [
        ...scopes.map((scope) => `${response.period}|${response.kind}|${scope}|*`),
        ...(response.skipped?.length ? [`${response.period}|${response.kind}|${root}|blanks`] : []),
      ].sort(),
    );
    await rebuildRollups(models, scaleOf, { fix: true });
  });

  it('when a database from before figure documents is migrated, then its leaf rollups become figure documents equal to the recount, and are then dropped', async () => {
    // Such a database predates the rated-dossier mark too (its answers have none; the demo seed now sets it).
    // And the blank questions of each answer (`skipped`), which only later versions keep.
    await models.Response.updateMany({}, { $unset: { ratedDossier: '', skipped: '' } });
    // The leaf rollups (period, survey, unit) that earlier versions kept, from the stored answers.
    const leaves = new Map<string, Record<string, unknown> & { inc: Record<string, number> }>();
    for (const r of await models.Response.find({ counted: true }).lean<ResponseDoc[]>()) {
      const id = `${r.period}|${r.surveyKey}|${r.unitCode}`;
      const leaf = leaves.get(id) ?? {
        _id: id,
        period: r.period,
        surveyKey: r.surveyKey,
        kind: r.kind,
        channel: r.channel,
        scale: await scaleOf(r.surveyKey),
        unitCode: r.unitCode,
        unitAncestors: r.unitAncestors,
        ...(r.level ? { level: r.level } : {}),
        ...(r.district ? { district: r.district } : {}),
        inc: {},
      };
      addIncrements(leaf.inc, leafIncrement(r));
      leaves.set(id, leaf);
    }
    const legacy = db.connection.collection('rollups');
    await legacy.insertMany([...leaves.values()].map(({ inc, ...leaf }) => ({ ...leaf, ...nest(inc) })));
    await rawFigures().deleteMany({});

    const migrated = await migrateToFigureDocs(models, scaleOf);
    expect(migrated.recounted).toBe(false);
    expect(migrated.figures).toBeGreaterThan(0);
    expect((await rebuildRollups(models, scaleOf, { fix: false })).differences).toEqual([]);
    await retireLeafRollups(models);
    expect((await db.connection.listCollections()).map((c) => c.name)).not.toContain('rollups');
    await retireLeafRollups(models); // once more: nothing to drop, no error
  });
});
