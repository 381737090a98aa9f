import crypto from 'node:crypto';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import type { ResponseDoc } from '../../src/responses/response.model';
import { repairPendingRollups } from '../../src/responses/rollup-rebuild';
import { applyToRollup } from '../../src/responses/rollup.service';
import { connectTestDatabase } from '../helpers/test-db';
import type { Database } from '../../src/db';

describe('repairing rollups left pending by a crash', () => {
  let db: Database;
  let models: Models;
  const scaleOf = async () => 5;
  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    await ensureIndexes(models);
  });
  afterAll(() => db.close());

  const response = (submittedAt: Date, overall: number, rolledUp: boolean): ResponseDoc => ({
    _id: crypto.randomUUID(),
    linkCode: 'x',
    surveyKey: 'edu-parent-thcs',
    surveyVersion: 1,
    kind: 'education',
    channel: 'form',
    unitCode: 'THCS-A',
    unitAncestors: ['SGD'],
    answers: { overall },
    overall,
    overallTopTwo: overall >= 4,
    lang: 'vi',
    submittedAt,
    period: '2026-11',
    fillSeconds: 20,
    flags: [],
    counted: true,
    rolledUp,
    hasContact: false,
    synthetic: false,
  });

  it('when crashes left one increment applied-but-unmarked and one never applied, then the cell is recounted exactly once each', async () => {
    const now = new Date('2026-11-20T05:00:00Z');
    const old = new Date(now.getTime() - 120_000);
    const done = response(old, 5, true);
    const appliedNotMarked = response(old, 4, false);
    const neverApplied = response(old, 2, false);
    const inFlight = response(new Date(now.getTime() - 5_000), 3, false);
    await models.Response.collection.insertMany([done, appliedNotMarked, neverApplied, inFlight] as never);
    await applyToRollup(models.Rollup, done, 5);
    await applyToRollup(models.Rollup, appliedNotMarked, 5);

    const [a, b] = await Promise.all([repairPendingRollups(models, scaleOf, now), repairPendingRollups(models, scaleOf, now)]);
    expect(a).toBe(2);
    expect(b).toBeLessThanOrEqual(2);
    const rollups = await models.Rollup.find().lean();
    // The in-flight one (5 s old) is left to its own request; the recount includes every stored counted response.
    expect(rollups.map((r) => r.items.overall)).toEqual([{ s5: 1, s4: 1, s2: 1, s3: 1 }]);
    expect(await models.Response.countDocuments({ rolledUp: false })).toBe(1);
    expect(await repairPendingRollups(models, scaleOf, now)).toBe(0);
  });
});
