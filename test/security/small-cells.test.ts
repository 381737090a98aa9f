import ExcelJS from 'exceljs';
import request from 'supertest';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { buildSummary } from '../../src/reports/build-summary';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createUser, signIn } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

const U: Record<string, Unit> = {
  SGD: { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  MOTCUA: { code: 'MOTCUA', name: 'Bộ phận Một cửa', type: 'desk', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-A': { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-B': { code: 'TH-B', name: 'Tiểu học B', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-C': { code: 'TH-C', name: 'Tiểu học C', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
};
const DESK = 'kind=tthc&unit=MOTCUA&from=2026-10&to=2026-10';
const EDU = 'kind=education&unit=SGD&from=2026-10&to=2026-10';

function binary(res: request.Response, cb: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => {
    cb(null, Buffer.concat(chunks));
  });
}

/**
 * One citizen rated the desk in 2026-10 (n = 1: their own score, were it shown). Schools: A 40 × 5, B 10 × 4 + 10 × 2,
 * C 2 × 5 (hidden); the province minus A and B would give C away, so B is hidden with it.
 */
describe('small cells everywhere (k = 5), the headline included', () => {
  let ctx: TestContext;
  let models: Models;
  let admin: request.Agent;
  beforeAll(async () => {
    ctx = await createTestContext();
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.insertMany(Object.values(U));
    await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
    await seedTargets(models.Target);
    await addResponses(models, { unit: U.MOTCUA!, surveyKey: 'tthc-quick', kind: 'tthc', scale: 3, period: '2026-10', scores: [1] });
    const edu = (code: string, scores: number[]) =>
      addResponses(models, { unit: U[code]!, surveyKey: 'edu-parent-tieuhoc', kind: 'education', scale: 5, period: '2026-10', scores });
    await edu('TH-A', Array(40).fill(5));
    await edu('TH-B', [...Array(10).fill(4), ...Array(10).fill(2)]);
    await edu('TH-C', [5, 5]);
    await createUser(models, 'so@example.vn', 'super_admin', 'SGD');
    await createUser(models, 'hieutruong@example.vn', 'unit_manager', 'TH-A');
    admin = await signIn(ctx.app, 'so@example.vn');
  });
  afterAll(() => ctx.close());

  it('when the API is asked for a desk and a single month with n = 1, then share, mean and ci95 are null and n shows', async () => {
    const body = (await admin.get(`/api/v1/stats?${DESK}`).expect(200)).body;
    expect(body.headline).toMatchObject({ n: 1, share: null, mean: null, ci95: null, satisfied: null, status: 'insufficient', suppressed: true });
    expect(body.byMonth).toEqual([expect.objectContaining({ period: '2026-10', n: 1, share: null, mean: null, ci95: null, satisfied: null })]);
    for (const list of [body.byUnit, body.byLevel, body.byQuestion, body.bySection]) for (const c of list) expect(c.share).toBeNull();
  });

  it('when the dashboard shows that desk, then no share is printed, only n and the hidden note', async () => {
    const page = await admin.get(`/admin?${DESK}`).expect(200);
    expect(page.text).toContain('data-share=""');
    expect(page.text).toContain('n = 1');
    expect(page.text).toContain('Ẩn (dưới 5 phiếu)');
    expect(page.text).not.toMatch(/\b(0|100),0%/);
  });

  it('when the figures of that desk are exported or mailed, then the headline carries n but no share or mean', async () => {
    const csv = (await admin.get(`/admin/export/figures.csv?${DESK}`).expect(200)).text;
    const [header, ...rows] = csv
      .slice(1)
      .split('\r\n')
      .map((line) => line.split(','));
    const headline = rows.find((r) => r[0] === 'headline')!;
    const col = (name: string) => headline[header!.findIndex((h) => h.startsWith(name))];
    expect([col('n'), col('Hài lòng'), col('Tỷ lệ'), col('Trung bình'), col('KTC 95% thấp')]).toEqual(['1', '', '', '', '']);
    const month = rows.find((r) => r[0] === 'month')!;
    expect(month[header!.findIndex((h) => h.startsWith('Tỷ lệ'))]).toBe('');

    const summary = await buildSummary(
      { models, catalog: new SurveyCatalog(models.Survey), projector: ctx.instance.projector },
      {
        period: '2026-10',
        unitCode: 'MOTCUA',
        kind: 'tthc',
        lang: 'vi',
        publicBaseUrl: 'http://hailong.test',
        k: 5,
      },
    );
    expect(summary.text).toContain('Tỷ lệ hài lòng tháng 10/2026: –');
    expect(summary.text).not.toMatch(/\b(0|100),0%/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(summary.attachment.content as unknown as ExcelJS.Buffer);
    const sheet = book.worksheets[0]!;
    expect([sheet.getRow(2).getCell(1).value, sheet.getRow(2).getCell(4).value, sheet.getRow(2).getCell(6).value, sheet.getRow(2).getCell(9).value]).toEqual([
      'headline',
      1,
      null,
      null,
    ]);
  });

  it('when exactly one unit of a breakdown is hidden, then the smallest other unit is hidden too and the parent gives neither away', async () => {
    const body = (await admin.get(`/api/v1/stats?${EDU}`).expect(200)).body;
    const unit = (code: string) => body.byUnit.find((u: { key: string }) => u.key === code);
    expect(body.headline).toMatchObject({ n: 62, satisfied: 40 + 10 + 2 });
    expect(unit('TH-C')).toMatchObject({ n: 2, satisfied: null, share: null, suppressed: true });
    expect(unit('TH-B')).toMatchObject({ n: 20, satisfied: null, share: null, mean: null, ci95: null, suppressed: true, status: 'insufficient' });
    expect(unit('TH-A')).toMatchObject({ n: 40, satisfied: 40, share: 1, suppressed: false });
    // What the parent minus the visible children leaves is two cells together, never one.
    const visible = body.byUnit.filter((u: { suppressed: boolean }) => !u.suppressed);
    expect(body.byUnit.length - visible.length).toBeGreaterThanOrEqual(2);
    const page = await admin.get(`/admin?${EDU}`).expect(200);
    expect(page.text).toContain('Ẩn (để không suy ra được ô nhỏ khác)');
  });

  it('when a unit manager asks for raw answers, then it is 403 and the dashboard offers no such link; figures stay allowed', async () => {
    const manager = await signIn(ctx.app, 'hieutruong@example.vn');
    const own = 'kind=education&unit=TH-A&from=2026-10&to=2026-10';
    await manager.get(`/admin/export/responses.csv?${own}`).expect(403);
    await manager.get(`/admin/export/responses.xlsx?${own}`).expect(403);
    await manager.get(`/admin/export/figures.csv?${own}`).expect(200);
    const page = await manager.get(`/admin?${own}`).expect(200);
    expect(page.text).not.toContain('/admin/export/responses.');
    expect(page.text).toContain('Phiếu trả lời gốc chỉ do cán bộ cấp Sở xuất.');
  });

  it('when province staff export raw answers, then times are rounded to the day (dates only, CSV and XLSX)', async () => {
    const csv = (await admin.get(`/admin/export/responses.csv?${EDU}`).expect(200)).text;
    const [header, ...rows] = csv
      .slice(1)
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    const day = header!.findIndex((h) => h.startsWith('ngày'));
    expect(day).toBeGreaterThanOrEqual(0);
    expect(rows).toHaveLength(62);
    expect(new Set(rows.map((r) => r[day]))).toEqual(new Set(['2026-10-10']));
    expect(csv).not.toMatch(/\d{1,2}:\d{2}/);

    const res = await admin.get(`/admin/export/responses.xlsx?${EDU}`).buffer(true).parse(binary).expect(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.body);
    const values: unknown[] = [];
    book.worksheets[0]!.eachRow((row) => {
      row.eachCell((c) => values.push(c.value));
    });
    expect(values.filter((v) => v instanceof Date)).toEqual([]);
    expect(values.filter((v) => typeof v === 'string' && /\d{1,2}:\d{2}/.test(v))).toEqual([]);
  });
});
