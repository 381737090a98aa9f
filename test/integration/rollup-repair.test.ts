import crypto from 'node:crypto';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import type { ResponseDoc } from '../../src/responses/response.model';
import { applyChange, finishChange } from '../../src/rollups/apply-change';
import { markChange, newChangeId } from '../../src/rollups/change-journal';
import { changeCounted, countNewAnswer } from '../../src/rollups/counted-change';
import { changeWrites } from '../../src/rollups/fan-out';
import { figureCommitter } from '../../src/rollups/figure-commit';
import { figureId, unpackFigures } from '../../src/rollups/figure.model';
import { rebuildRollups } from '../../src/rollups/rebuild';
import { repairChanges } from '../../src/rollups/repair';
import { figureWriteBehind } from '../../src/rollups/write-behind';
import { connectTestDatabase } from '../helpers/test-db';
import type { Database } from '../../src/db';

/**
 * Changes to the figures cut off at every point between their writes (a crash, a database outage), then finished
 * by the repair: each answer ends up counted exactly once in every figure document above it.
 */
describe('repairing figure changes left in flight', () => {
  let db: Database;
  let models: Models;
  const scaleOf = async () => 5;
  const now = new Date('2026-11-20T05:00:00Z');
  const old = new Date(now.getTime() - 120_000);
  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    await ensureIndexes(models);
  });
  beforeEach(async () => {
    for (const model of [models.Response, models.Figure, models.RollupJournal]) await model.collection.deleteMany({});
  });
  afterAll(() => db.close());

  const response = (overall: number, unitCode = 'THCS-A'): ResponseDoc => ({
    _id: crypto.randomUUID(),
    linkCode: 'x',
    surveyKey: 'edu-parent-thcs',
    surveyVersion: 1,
    kind: 'education',
    channel: 'form',
    unitCode,
    unitAncestors: ['SGD', 'PGD-1'],
    level: 'thcs',
    district: 'Quận 1',
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
  const insert = async (r: ResponseDoc) => Boolean(await models.Response.collection.insertOne(r as never));
  /** The province's figure document for November: what its dashboard reads. */
  const province = async () => {
    const doc = await models.Figure.findById(figureId('2026-11', 'education', 'SGD')).lean();
    return doc ? unpackFigures(doc).surveys['edu-parent-thcs']?.items.overall : undefined;
  };
  /** A live answer, its figure writes landed (they finish after the request: write-behind.ts). */
  const countNew = async (r: ResponseDoc) => {
    await countNewAnswer(models, r, 5, old, insert);
    await figureWriteBehind(models.Figure).settled();
  };
  const exact = async () => expect((await rebuildRollups(models, scaleOf, { fix: false })).differences).toEqual([]);

  /** A submission cut off after its mark, its insert and the first `figures` of its three figure writes. */
  async function cutOff(r: ResponseDoc, parts: { stored: boolean; figures: number }): Promise<string> {
    const id = newChangeId('answer');
    await markChange(models.RollupJournal, { _id: id, responseIds: [r._id], sign: 1, scale: 5, at: old });
    if (!parts.stored) return id;
    await insert({ ...r, changes: [id] });
    const writes = changeWrites([r], 1, 5);
    await figureCommitter(models.Figure).apply(id, writes.slice(0, parts.figures));
    return id;
  }

  it('when submissions were cut off at every point, then two repairs at once finish each exactly once', async () => {
    await countNew(response(5));
    await cutOff(response(1), { stored: false, figures: 0 });
    await cutOff(response(2), { stored: true, figures: 0 });
    await cutOff(response(3), { stored: true, figures: 1 });
    await cutOff(response(4), { stored: true, figures: 2 });
    await cutOff(response(4), { stored: true, figures: 3 });
    expect(await models.RollupJournal.countDocuments()).toBe(5);

    const [a, b] = await Promise.all([repairChanges(models, now), repairChanges(models, now)]);
    expect(a + b).toBe(5);
    expect(await models.RollupJournal.countDocuments()).toBe(0);
    expect(await province()).toEqual({ s5: 1, s4: 2, s3: 1, s2: 1 });
    await exact();
    expect(await repairChanges(models, now)).toBe(0);
  });

  it('when a replay of a stored form was cut off (its insert lost), then the repair counts nothing more', async () => {
    const first = response(5);
    await countNew(first);
    // The replay's mark, left behind: the stored response names the first change, not this one.
    await markChange(models.RollupJournal, { _id: newChangeId('answer'), responseIds: [first._id], sign: 1, scale: 5, at: old });
    expect(await repairChanges(models, now)).toBe(1);
    expect(await province()).toEqual({ s5: 1 });
    await exact();
  });

  it('when a mark is younger than the grace period (a change maybe still in flight), then it is left for a later tick', async () => {
    await cutOff(response(3), { stored: true, figures: 0 });
    expect(await repairChanges(models, new Date(old.getTime() + 30_000))).toBe(0);
    expect(await province()).toBeUndefined();
    expect(await repairChanges(models, now)).toBe(1);
    expect(await province()).toEqual({ s3: 1 });
  });

  it('when an exclusion was cut off after the answer moved, then the repair takes it out of every document once', async () => {
    const r = response(2);
    await countNew(r);
    const id = newChangeId('review');
    await markChange(models.RollupJournal, { _id: id, responseIds: [r._id], sign: -1, scale: 5, at: old });
    await models.Response.updateOne({ _id: r._id }, { $set: { counted: false }, $push: { changes: id } });
    await figureCommitter(models.Figure).apply(id, changeWrites([r], -1, 5).slice(0, 2));
    expect(await repairChanges(models, now)).toBe(1);
    expect(await province()).toEqual({ s2: 0 });
    await exact();
    // Included again by an admin afterwards: counted once more, exactly.
    expect(await changeCounted(models, r, { include: true, reason: 'review', reviewer: 'a' }, 5, now)).toBe(true);
    expect(await province()).toEqual({ s2: 1 });
    await exact();
  });

  it('when a slow change is finished by the repair and then completes itself, then nothing counts twice and its trace stays', async () => {
    const r = response(4);
    const id = await cutOff(r, { stored: true, figures: 1 });
    expect(await repairChanges(models, now)).toBe(1);
    // The live change wakes up: its increments find the change applied, and its mark is gone (not its to clear).
    const written = await applyChange(models, id, [r], 1, 5);
    await finishChange(models, id, written);
    expect(await province()).toEqual({ s4: 1 });
    await exact();
    const doc = await models.Figure.findById(figureId('2026-11', 'education', 'SGD')).lean();
    expect(doc?.pending).toEqual([id]);
  });
});
