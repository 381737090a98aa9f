import crypto from 'node:crypto';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import type { ResponseDoc } from '../../src/responses/response.model';
import { repairPendingRollups } from '../../src/responses/rollup-rebuild';
import { beginRollupChange } from '../../src/responses/rollup-journal';
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

  const response = (unitCode: string, overall: number): ResponseDoc => ({
    _id: crypto.randomUUID(),
    linkCode: 'x',
    surveyKey: 'edu-parent-thcs',
    surveyVersion: 1,
    kind: 'education',
    channel: 'form',
    unitCode,
    unitAncestors: ['SGD'],
    answers: { overall },
    overall,
    overallTopTwo: overall >= 4,
    lang: 'vi',
    submittedAt: new Date('2026-11-20T04:00:00Z'),
    period: '2026-11',
    fillSeconds: 20,
    flags: [],
    counted: true,
    hasContact: false,
    synthetic: false,
  });
  const store = (r: ResponseDoc) => models.Response.collection.insertOne(r as never);
  const overallOf = async (unitCode: string) => (await models.Rollup.find({ unitCode }).lean()).map((r) => r.items.overall);

  it('when crashes left marks (incremented, not incremented, never stored), then each cell is recounted exactly once and the marks cleared', async () => {
    const now = new Date('2026-11-20T05:00:00Z');
    const old = new Date(now.getTime() - 120_000);
    const done = response('THCS-A', 5);
    const incrementedNotCleared = response('THCS-A', 4);
    const neverIncremented = response('THCS-A', 2);
    const neverStored = response('THCS-A', 1);
    await store(done);
    await applyToRollup(models.Rollup, done, 5);
    await beginRollupChange(models.RollupJournal, incrementedNotCleared._id, incrementedNotCleared, old);
    await store(incrementedNotCleared);
    await applyToRollup(models.Rollup, incrementedNotCleared, 5);
    await beginRollupChange(models.RollupJournal, neverIncremented._id, neverIncremented, old);
    await store(neverIncremented);
    await beginRollupChange(models.RollupJournal, neverStored._id, neverStored, old);

    const [a, b] = await Promise.all([repairPendingRollups(models, scaleOf, now), repairPendingRollups(models, scaleOf, now)]);
    // Two repairs at once (two ticks, or two instances' start-up): one clears the marks, the other finds none.
    expect(a + b).toBe(3);
    expect(await overallOf('THCS-A')).toEqual([{ s5: 1, s4: 1, s2: 1 }]);
    expect(await models.RollupJournal.countDocuments()).toBe(0);
    expect(await repairPendingRollups(models, scaleOf, now)).toBe(0);
  });

  it('when a cell also has a mark younger than the grace period (a change maybe in flight elsewhere), then that cell waits for a later tick', async () => {
    const now = new Date('2026-11-20T05:00:00Z');
    const stale = response('THCS-B', 3);
    const young = response('THCS-B', 5);
    await beginRollupChange(models.RollupJournal, stale._id, stale, new Date(now.getTime() - 120_000));
    await store(stale);
    await beginRollupChange(models.RollupJournal, young._id, young, new Date(now.getTime() - 5_000));

    expect(await repairPendingRollups(models, scaleOf, now)).toBe(0);
    expect(await overallOf('THCS-B')).toEqual([]);
    expect(await models.RollupJournal.countDocuments()).toBe(2);

    const later = new Date(now.getTime() + 60_000);
    expect(await repairPendingRollups(models, scaleOf, later)).toBe(2);
    expect(await overallOf('THCS-B')).toEqual([{ s3: 1 }]);
  });

  /**
   * A mark left 2 minutes ago by `stale` (stored, never incremented), and a repair whose recount lets `during`
   * run once: the recount asks for each response's scale, the moment another writer acts on the cell.
   */
  async function repairWhile(stale: ResponseDoc, now: Date, during: () => Promise<unknown>): Promise<number> {
    await beginRollupChange(models.RollupJournal, stale._id, stale, new Date(now.getTime() - 120_000));
    await store(stale);
    let ran = false;
    return repairPendingRollups(models, async () => {
      if (!ran) {
        ran = true;
        await during();
      }
      return 5;
    }, now);
  }

  it('when a submission begins in the cell while it is being recounted, then the recount is not written and the cell waits', async () => {
    const now = new Date('2026-11-20T05:00:00Z');
    const arriving = response('THCS-C', 5);
    const repaired = await repairWhile(response('THCS-C', 4), now, async () => {
      await beginRollupChange(models.RollupJournal, arriving._id, arriving, now);
      await store(arriving);
    });
    expect(repaired).toBe(0);
    expect(await overallOf('THCS-C')).toEqual([]);
    expect(await models.RollupJournal.countDocuments({ unitCode: 'THCS-C' })).toBe(2);
  });

  it('when another instance completes a submission in the cell during the recount, then the rewrite waits and the next tick counts both', async () => {
    const now = new Date('2026-11-20T05:00:00Z');
    const counted = response('THCS-D', 3);
    const arriving = response('THCS-D', 5);
    await store(counted);
    await applyToRollup(models.Rollup, counted, 5);
    // The whole submission (mark, store, increment, unmark) lands after the recount read its responses, so the
    // recount misses it and no new mark is left to see: only the rollup's revision tells that it changed.
    const repaired = await repairWhile(response('THCS-D', 4), now, async () => {
      await beginRollupChange(models.RollupJournal, arriving._id, arriving, now);
      await store(arriving);
      await applyToRollup(models.Rollup, arriving, 5);
      await models.RollupJournal.deleteOne({ _id: arriving._id });
    });
    expect(repaired).toBe(0);
    expect(await overallOf('THCS-D')).toEqual([{ s3: 1, s5: 1 }]);
    expect(await repairPendingRollups(models, scaleOf, now)).toBe(1);
    expect(await overallOf('THCS-D')).toEqual([{ s3: 1, s4: 1, s5: 1 }]);
  });
});
