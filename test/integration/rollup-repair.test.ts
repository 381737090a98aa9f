import crypto from 'node:crypto';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import type { ResponseDoc } from '../../src/responses/response.model';
import { repairPendingRollups } from '../../src/responses/rollup.service';
import { connectTestDatabase } from '../helpers/test-db';
import type { Database } from '../../src/db';

describe('repairing rollups left pending by a crash', () => {
  let db: Database;
  let models: Models;
  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    await ensureIndexes(models);
  });
  afterAll(() => db.close());

  const pending = (submittedAt: Date): ResponseDoc => ({
    _id: crypto.randomUUID(),
    linkCode: 'x',
    surveyKey: 'edu-parent-thcs',
    surveyVersion: 1,
    kind: 'education',
    channel: 'form',
    unitCode: 'THCS-A',
    unitAncestors: ['SGD'],
    answers: { overall: 4 },
    overall: 4,
    overallTopTwo: true,
    lang: 'vi',
    submittedAt,
    period: '2026-11',
    fillSeconds: 20,
    flags: [],
    counted: true,
    rolledUp: false,
    hasContact: false,
    synthetic: false,
  });

  it('when two instances repair at once, then each pending response is added exactly once and fresh ones are left alone', async () => {
    const now = new Date('2026-11-20T05:00:00Z');
    await models.Response.collection.insertMany([pending(new Date(now.getTime() - 120_000)), pending(new Date(now.getTime() - 5_000))] as never);
    const deps = { ...models, scaleOf: async () => 5 };
    const [a, b] = await Promise.all([repairPendingRollups(deps, now), repairPendingRollups(deps, now)]);
    expect(a + b).toBe(1);
    const rollups = await models.Rollup.find().lean();
    expect(rollups.map((r) => [r.respondents, r.items.overall])).toEqual([[1, { s4: 1 }]]);
    expect(await models.Response.countDocuments({ rolledUp: false })).toBe(1);
    expect(await repairPendingRollups(deps, now)).toBe(0);
  });
});
