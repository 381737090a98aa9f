import ExcelJS from 'exceljs';
import request from 'supertest';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createUser, signIn } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { readCsvRows } from '../helpers/csv-reader';

const SGD: Unit = { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] };
const TH: Unit = { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] };
const OTHER: Unit = { code: 'TH-Z', name: 'Tiểu học Z', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] };
const FILTER = 'kind=education&unit=TH-A&from=2026-10&to=2026-10';

/** Parses our CSV back into rows of cells; it must start with the BOM that Excel needs for UTF-8. */
function parseCsv(text: string): string[][] {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  return readCsvRows(text);
}

describe('exports', () => {
  let ctx: TestContext;
  let models: Models;
  let agent: request.Agent;
  beforeAll(async () => {
    ctx = await createTestContext();
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.insertMany([SGD, TH, OTHER]);
    await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
    await seedTargets(models.Target);
    await addResponses(models, {
      unit: TH,
      surveyKey: 'edu-parent-tieuhoc',
      kind: 'education',
      scale: 5,
      period: '2026-10',
      scores: [...Array(26).fill(4), ...Array(6).fill(3)],
    });
    await addResponses(models, { unit: OTHER, surveyKey: 'edu-parent-tieuhoc', kind: 'education', scale: 5, period: '2026-10', scores: [5, 5, 5, 5, 5, 5] });
    await models.Response.updateOne({ unitCode: 'TH-A' }, { $set: { comment: '=HYPERLINK("http://evil.example","bấm")' } });
    await createUser(models, 'so@example.vn', 'super_admin', 'SGD');
    await createUser(models, 'viewer@example.vn', 'viewer', 'TH-Z');
    agent = await signIn(ctx.app, 'so@example.vn');
  });
  afterAll(() => ctx.close());

  it('when figures are exported as CSV, then the headline row equals the API and the dashboard for the same filter', async () => {
    const api = (await agent.get(`/api/v1/stats?${FILTER}`).expect(200)).body;
    const res = await agent
      .get(`/admin/export/figures.csv?${FILTER}`)
      .expect(200)
      .expect('content-type', /text\/csv/);
    const rows = parseCsv(res.text);
    const header = rows[0]!;
    const headline = rows.find((r) => r[0] === 'headline')!;
    const col = (name: string) => headline[header.findIndex((h) => h.startsWith(name))];
    expect(Number(col('n'))).toBe(api.headline.n);
    expect(Number(col('Tỷ lệ'))).toBeCloseTo(api.headline.share, 12);
    expect(Number(col('KTC 95% thấp'))).toBeCloseTo(api.headline.ci95[0], 12);
    expect(col('Trạng thái')).toBe('uncertain');
    const page = await agent.get(`/admin?${FILTER}`).expect(200);
    expect(page.text).toContain(`data-share="${api.headline.share}"`);
    expect(page.text).toContain(`/admin/export/figures.csv?${FILTER.replace(/&/g, '&amp;')}`);
  });

  it('when figures are exported as XLSX, then the numbers are numbers equal to the API, with the formula sheet', async () => {
    const api = (await agent.get(`/api/v1/stats?${FILTER}`).expect(200)).body;
    const res = await agent
      .get(`/admin/export/figures.xlsx?${FILTER}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          cb(null, Buffer.concat(chunks));
        });
      });
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.body);
    const sheet = book.getWorksheet('Số liệu')!;
    const headline = sheet.getRow(2);
    expect(headline.getCell(1).value).toBe('headline');
    expect(headline.getCell(4).value).toBe(api.headline.n);
    expect(headline.getCell(6).value).toBeCloseTo(api.headline.share, 12);
    expect(book.getWorksheet('Công thức')!.getRow(2).getCell(1).value).toBe('top2-share');
  });

  it('when responses are exported, then only the scope is included and formula-looking comments are neutralised', async () => {
    const res = await agent.get(`/admin/export/responses.csv?${FILTER}`).expect(200);
    const rows = parseCsv(res.text);
    expect(rows).toHaveLength(1 + 32);
    const commentCol = rows[0]!.findIndex((h) => h.startsWith('ý kiến'));
    const comments = rows
      .slice(1)
      .map((r) => r[commentCol])
      .filter(Boolean);
    expect(comments).toEqual(['\'=HYPERLINK("http://evil.example","bấm")']);
    expect(rows.slice(1).every((r) => r[rows[0]!.indexOf('mã đơn vị / unit')] === 'TH-A')).toBe(true);
    expect(await models.Audit.countDocuments({ action: 'export.responses' })).toBe(1);
  });

  it("when a viewer asks for another unit's export, then it is 403; its own figures are allowed, its own raw answers are not", async () => {
    const viewer = await signIn(ctx.app, 'viewer@example.vn');
    await viewer.get(`/admin/export/responses.csv?${FILTER}`).expect(403);
    await viewer.get(`/admin/export/figures.xlsx?${FILTER}`).expect(403);
    await viewer.get('/admin/export/figures.csv?kind=education&unit=TH-Z&from=2026-10&to=2026-10').expect(200);
    // Raw answers are for province-wide staff only (a school's six rows are six identifiable parents).
    await viewer.get('/admin/export/responses.csv?kind=education&unit=TH-Z&from=2026-10&to=2026-10').expect(403);
  });
});
