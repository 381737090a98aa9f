import request from 'supertest';
import type { Models } from '../../src/models';
import { BLANKS } from '../../src/figures/fan-out';
import { rebuildRollups } from '../../src/figures/rebuild';
import { packFigures, unpackFigures, type FigureDoc } from '../../src/figures/figure.model';
import { LIST_SECONDS_MIGRATION } from '../../src/review/list-migration';
import { migrateToProjector, PROJECTOR_MIGRATION, RATED_UNITS_MIGRATION } from '../../src/projector/migration';
import type { ResponseDoc } from '../../src/responses/response.model';
import { runOnce } from '../../src/settings.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createApiToken, seedProvince } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Answers and figure documents from before blank questions were counted (issue #25 item 6): the question
 * breakdowns of their months cannot be checked against the atoms of each question (stats/disclosure.ts), so they
 * stay hidden until the one-time migration (`figures-blanks`, projector/blanks-migration.ts) has filled in each
 * answer's `skipped` and recounted the figures.
 */
const UNITS: Unit[] = [
  { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  { code: 'S1', name: 'THCS S1', type: 'school', level: 'thcs', parentCode: 'SGD', ancestors: ['SGD'] },
  { code: 'S2', name: 'THCS S2', type: 'school', level: 'thcs', parentCode: 'SGD', ancestors: ['SGD'] },
];
const survey = QUESTION_BANK.find((d) => d.key === 'edu-parent-thcs')!;
// Two questions of different sections (a hidden question also hides the smallest other one of its section).
const Q = survey.sections[0]!.questions[0]!.key;
const R = survey.sections[1]!.questions[0]!.key;

describe('the one-time migration of blank questions', () => {
  let ctx: TestContext;
  let models: Models;
  let token: string;
  const questions = async () =>
    (
      (await request(ctx.app).get('/api/v1/stats?kind=education&unit=SGD&from=2026-11&to=2026-11').set('authorization', `Bearer ${token}`).expect(200))
        .body as { byQuestion: { key: string; n: number; satisfied: number | null }[] }
    ).byQuestion;
  const scaleOf = () => new SurveyCatalog(models.Survey).scaleOf;

  beforeAll(async () => {
    ctx = await createTestContext();
    models = await seedProvince(ctx.db.connection, UNITS);
    for (const key of [PROJECTOR_MIGRATION, LIST_SECONDS_MIGRATION, RATED_UNITS_MIGRATION]) await runOnce(models.Setting, key, () => Promise.resolve());
    const add = (unit: Unit, scores: number[], items: Record<string, number>) =>
      addResponses(models, { unit, surveyKey: survey.key, kind: 'education', scale: 5, period: '2026-11', scores, items });
    // S1: 10 answers, 8 of them left Q blank (2 answered it); S2: 10 answers to everything. R answered by all.
    await add(UNITS[1]!, [5, 5], { [Q]: 5, [R]: 4 });
    await add(UNITS[1]!, [5, 5, 5, 5, 4, 4, 2, 2], { [R]: 4 });
    await add(UNITS[2]!, [5, 5, 5, 5, 5, 4, 4, 4, 2, 2], { [Q]: 4, [R]: 4 });
    token = await createApiToken(models, 'SGD');
  });
  afterAll(() => ctx.close());

  it('when answers and figures predate the count of blanks, then no question is shown until the migration, and after it the rule per question holds', async () => {
    // Counted now: Q's 2 answers in S1 go up into the province's atom for Q with S2's 10; every question is shown.
    expect((await questions()).find((q) => q.key === Q)).toMatchObject({ n: 12, satisfied: 12 });
    // As an earlier version left them: answers without `skipped`, figures without `blanks` or `blanksKnown`.
    await models.Response.collection.updateMany({}, { $unset: { skipped: '' } });
    const figures = ctx.db.connection.collection<FigureDoc>('figures');
    expect(await figures.countDocuments({ level: BLANKS })).toBe(1);
    await figures.deleteMany({ level: BLANKS });
    for (const doc of await figures.find({}).toArray()) {
      const { partialUnits, blanksKnown, ...data } = unpackFigures(doc);
      if (partialUnits || blanksKnown) await figures.updateOne({ _id: doc._id }, { $set: { data: packFigures(data) } });
    }
    expect((await rebuildRollups(models, scaleOf(), { fix: false })).differences).toEqual([]);
    const before = await questions();
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((q) => q.satisfied === null)).toBe(true);

    expect(await migrateToProjector(models, scaleOf(), ctx.instance.projector)).toBe(true);
    const filled = await models.Response.find({}).lean<ResponseDoc[]>();
    expect(filled.every((r) => Array.isArray(r.skipped) && !r.skipped.includes(survey.overall.key))).toBe(true);
    expect(filled.filter((r) => r.skipped!.includes(Q))).toHaveLength(8);
    expect((await rebuildRollups(models, scaleOf(), { fix: false })).differences).toEqual([]);
    const after = await questions();
    expect(after.find((q) => q.key === Q)).toMatchObject({ n: 12, satisfied: 12 });
    expect(after.find((q) => q.key === R)).toMatchObject({ n: 20, satisfied: 20 });
    // S1 alone: 10 answers (published), but 2 answers to Q: hidden; R shown.
    const s1 = (await request(ctx.app).get('/api/v1/stats?kind=education&unit=S1&from=2026-11&to=2026-11').set('authorization', `Bearer ${token}`).expect(200))
      .body as { headline: { satisfied: number | null }; byQuestion: { key: string; satisfied: number | null }[] };
    expect(s1.headline.satisfied).toBe(8);
    expect(s1.byQuestion.find((q) => q.key === Q)?.satisfied).toBeNull();
    expect(s1.byQuestion.find((q) => q.key === R)?.satisfied).toBe(10);
    // Once is enough.
    expect(await migrateToProjector(models, scaleOf(), ctx.instance.projector)).toBe(false);
  });
});
