import { createModels, ensureIndexes, type Models } from '../../src/models';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../../src/surveys/survey-catalog';
import { connectTestDatabase } from '../helpers/test-db';
import type { Database } from '../../src/db';

describe('survey versions', () => {
  let db: Database;
  let models: Models;
  const now = new Date();
  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
    await ensureIndexes(models);
  });
  afterAll(() => db.close());

  it('when the question bank is published twice unchanged, then each instrument has exactly version 1', async () => {
    expect(await publishQuestionBank(models.Survey, QUESTION_BANK, now)).toHaveLength(QUESTION_BANK.length);
    expect(await publishQuestionBank(models.Survey, QUESTION_BANK, now)).toEqual([]);
    expect(await models.Survey.countDocuments()).toBe(QUESTION_BANK.length);
  });

  it('when a wording changes, then a new version is published and the old one stays as it was', async () => {
    const original = QUESTION_BANK.find((i) => i.key === 'tthc-quick')!;
    const edited = { ...original, overall: { ...original.overall, text: { vi: 'Nhìn chung, ông/bà hài lòng không?', en: 'Overall, are you satisfied?' } } };
    expect(await publishQuestionBank(models.Survey, [edited], now)).toEqual(['tthc-quick@2']);
    const catalog = new SurveyCatalog(models.Survey);
    expect((await catalog.getLatest('tthc-quick'))?.version).toBe(2);
    expect((await catalog.getVersion('tthc-quick', 1))?.definition.overall.text.vi).toBe(original.overall.text.vi);
  });

  it('when code tries to update a published version, then it is refused', async () => {
    await expect(models.Survey.updateOne({ key: 'tthc-quick', version: 1 }, { $set: { hash: 'x' } })).rejects.toThrow(/never changes/);
  });
});
