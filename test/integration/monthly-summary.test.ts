import ExcelJS from 'exceljs';
import type { Database } from '../../src/db';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { composeMonthlySummary, type MonthlySummary } from '../../src/reports/monthly-summary';
import type { SummaryInput } from '../../src/reports/summary-model';
import { onTimeStats } from '../../src/dossiers/on-time';
import { oneStopShares } from '../../src/dossiers/one-stop-shares';
import { DEFAULT_SERVICE_INDEX, serviceIndex } from '../../src/dossiers/service-index';
import { periodRange } from '../../src/responses/period';
import { latestInstruments } from '../../src/stats/instruments';
import { computeStats, type StatsQuery, type StatsResult } from '../../src/stats/stats.service';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses } from '../helpers/admin-fixtures';
import { connectTestDatabase } from '../helpers/test-db';
import { Projector } from '../../src/projector/projector';

const EVIL = '<script>alert(1)</script> Trường "A&B"';
const U: Record<string, Unit> = {
  SGD: { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  'TH-A': { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-B': { code: 'TH-B', name: 'Tiểu học Bình Minh', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-X': { code: 'TH-X', name: EVIL, type: 'school', level: 'tieuhoc', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-S': { code: 'TH-S', name: 'Tiểu học Nhỏ', type: 'school', level: 'tieuhoc', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-T': { code: 'TH-T', name: 'Tiểu học Tí Hon', type: 'school', level: 'tieuhoc', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
};

const repeat = (score: number, count: number) => Array<number>(count).fill(score);
// Facilities answered 2 and discipline 3 everywhere, so those areas come out lowest.
const items = { access_paperwork: 4, facilities_classroom: 2, environment_discipline: 3, activities_teaching: 5, outcomes_knowledge: 4 };

/**
 * Target 85% (education, 2025 and 2026), k 5, minimum n 30.
 *   2026-10  TH-A 40 × 5; TH-B 60 × 4 + 40 × 2; TH-X 15 × 4 + 5 × 3; TH-S 3 × 5 and TH-T 2 × 5 (each hidden;
 *            together 5 answers, an atom held by the province, so no visible unit has to be hidden with them:
 *            stats/disclosure.ts) -> 120/165 = 72.73% "72,7%", below
 *   2026-09  TH-A 30 × 4; TH-B 10 × 2 -> 30/40 = 75%
 *   2026-05  TH-B 20 × 5
 *   2025-10  TH-A 40 × 5 + 10 × 1 -> 40/50 = 80% (same month last year, outside the 12 months)
 *   12 months by unit: TH-B 80/130 = 61.5% (worst), TH-X 15/20 = 75%, TH-A 70/70 = 100%
 */
async function seedFixture(models: Models) {
  await ensureIndexes(models);
  await models.Unit.insertMany(Object.values(U));
  await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
  await seedTargets(models.Target);
  const edu = (code: string, period: string, scores: number[]) =>
    addResponses(models, { unit: U[code]!, surveyKey: 'edu-parent-tieuhoc', kind: 'education', scale: 5, period, scores, items });
  await edu('TH-A', '2026-10', repeat(5, 40));
  await edu('TH-B', '2026-10', [...repeat(4, 60), ...repeat(2, 40)]);
  await edu('TH-X', '2026-10', [...repeat(4, 15), ...repeat(3, 5)]);
  await edu('TH-S', '2026-10', repeat(5, 3));
  await edu('TH-A', '2026-09', repeat(4, 30));
  await edu('TH-B', '2026-09', repeat(2, 10));
  await edu('TH-B', '2026-05', repeat(5, 20));
  await edu('TH-T', '2026-10', repeat(5, 2));
  await edu('TH-A', '2025-10', [...repeat(5, 40), ...repeat(1, 10)]);
}

describe('monthly summary e-mail composed from computeStats', () => {
  let db: Database;
  /** one for the file: an import nested in a recount (below) runs inside the same projector's lease */
  let projector: Projector;
  let current: StatsResult;
  let previous: StatsResult;
  let lastYear: StatsResult;
  let vi: MonthlySummary;

  const compose = (
    lang: 'vi' | 'en',
    scopeName = 'Sở GDĐT',
    extra: { onTime?: SummaryInput['onTime']; cases?: { opened: number; closed: number; overdue: number; medianHoursToContact: number | null } } = {},
  ) =>
    composeMonthlySummary({
      ...extra,
      period: '2026-10',
      lang,
      scopeName,
      current,
      previousMonth: previous.headline,
      sameMonthLastYear: lastYear.headline,
      newComments: 7,
      dashboardUrl: 'https://hailong.test/admin?kind=education&unit=SGD&from=2025-11&to=2026-10',
    });

  beforeAll(async () => {
    db = await connectTestDatabase();
    projector = new Projector(db.connection);
    const models = createModels(db.connection);
    await seedFixture(models);
    const instruments = await latestInstruments(new SurveyCatalog(models.Survey));
    const query = (from: string, to: string): StatsQuery => ({ kind: 'education', unit: U.SGD!, from, to, k: 5, minN: 30 });
    current = await computeStats(models, query('2025-11', '2026-10'), instruments, projector);
    previous = await computeStats(models, query('2026-09', '2026-09'), instruments, projector);
    lastYear = await computeStats(models, query('2025-10', '2025-10'), instruments, projector);
    vi = await compose('vi');
  });
  afterAll(() => db.close());

  it('when the month is composed, then the subject carries the month share and target as the dashboard formats them', () => {
    const month = current.byMonth.find((m) => m.period === '2026-10')!;
    expect(month).toMatchObject({ n: 165, satisfied: 120 });
    expect(vi.subject).toBe('Hài Lòng – Tóm tắt tháng 10/2026 – Sở GDĐT: 72,7% hài lòng (chỉ tiêu 85,0%)');
  });

  it('when both parts are read, then each shows the same month share, n, target, status and the 12-month line', () => {
    for (const part of [vi.html, vi.text]) {
      expect(part).toContain('72,7%');
      expect(part).toContain('165');
      expect(part).toContain('85,0%');
      expect(part).toContain('Chưa đạt chỉ tiêu');
      expect(part).toContain('12 tháng (11/2025 – 10/2026)');
      expect(part).toContain(new Intl.NumberFormat('vi-VN', { style: 'percent', minimumFractionDigits: 1 }).format(current.headline.share!));
      expect(part).toContain('top2-share v1.0');
    }
    expect(vi.text).toContain('Ý kiến mới trong tháng: 7');
    expect(vi.html).toContain('Ý kiến mới trong tháng: <b>7</b>');
    expect(vi.html).toContain('href="https://hailong.test/admin?kind=education&amp;unit=SGD&amp;from=2025-11&amp;to=2026-10"');
  });

  it('when changes are shown, then they are in percentage points against the previous month and last year', () => {
    // 72.73% − 75% and 72.73% − 80%
    expect(vi.text).toContain('So với tháng trước: -2,3 điểm % (09/2026: 75,0%)');
    expect(vi.text).toContain('So với cùng kỳ năm trước: -7,3 điểm % (10/2025: 80,0%)');
  });

  it('when the HTML is inspected, then the chart is the inline cid image and nothing is loaded from the web', () => {
    expect(vi.html).toContain('src="cid:trend@hailong"');
    expect(vi.html).not.toMatch(/<img[^>]+src="https?:/i);
    expect(vi.html).not.toContain('<img src="http');
    expect(vi.html).not.toMatch(/<style|<script|<link/i);
    expect(vi.chartPng.subarray(1, 4).toString('ascii')).toBe('PNG');
  });

  it('when units are ranked, then the worst unit is listed first and a hidden cell is never ranked', () => {
    const worst = vi.text.slice(vi.text.indexOf('Đơn vị thấp nhất'));
    expect(worst).toMatch(/^Đơn vị thấp nhất \(12 tháng\)\n {2}1\. Tiểu học Bình Minh: 61,5% \(n = 130\)/);
    expect(vi.html).toContain('Tiểu học Bình Minh');
    expect(vi.text).not.toContain('Tiểu học Nhỏ');
    expect(vi.text).not.toContain('Tiểu học Tí Hon');
    expect(vi.text).toMatch(/Lĩnh vực thấp nhất \(12 tháng\)\n {2}1\. (Cơ sở vật chất, trang thiết bị|Môi trường giáo dục): 0,0%/);
  });

  it('when a unit name carries markup, then the HTML escapes it and never contains the raw tag', () => {
    expect(vi.html).not.toContain('<script>');
    expect(vi.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Trường &quot;A&amp;B&quot;');
  });

  it('when the scope name itself carries markup and a line break, then HTML escapes it and the subject stays one line', async () => {
    const evil = await compose('vi', `${EVIL}\r\nBcc: x@example.com`);
    expect(evil.html).not.toContain('<script>');
    expect(evil.subject).not.toMatch(/[\r\n]/);
  });

  it('when the attachment is opened, then it is an XLSX whose headline n equals the 12-month n and has the month sheet', async () => {
    expect(vi.attachment.filename).toBe('hailong-2026-10.xlsx');
    expect(vi.attachment.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(vi.attachment.content as unknown as ExcelJS.Buffer);
    const figures = workbook.worksheets[0]!;
    const headline = figures.getRow(2);
    expect(headline.getCell(1).value).toBe('headline');
    expect(headline.getCell(4).value).toBe(current.headline.n);
    const month = workbook.getWorksheet('Tháng 2026-10')!;
    expect(month.getRow(2).getCell(4).value).toBe(165);
    expect(month.getRow(3).getCell(4).value).toBe(40);
  });

  it('when the scope has dossiers, then both parts carry the on-time month and 12 months; without any, no on-time tile', async () => {
    // October: 40 returned, 39 on time (97.5%, interval contains 98%: uncertain); September: 10 of 10. 12 months: 49/50 = 98%, met.
    const docs = [
      { _id: '2026-10|SGD', period: '2026-10', scope: 'SGD', returned: 40, onTime: 39, rated: 0, openDue: [] },
      { _id: '2026-09|SGD', period: '2026-09', scope: 'SGD', returned: 10, onTime: 10, rated: 0, openDue: [] },
    ];
    const onTime = onTimeStats(docs, periodRange('2025-11', '2026-10'), new Date('2026-11-05T00:00:00Z'), () => 0.98);
    const mail = await compose('vi', 'Sở GDĐT', { onTime });
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('Hồ sơ TTHC giải quyết đúng hạn');
      expect(part).toMatch(/Tháng 10\/2026: (<b>)?97,5%(<\/b>)? \(số hồ sơ 40; Khoảng tin cậy 95% [\d,]+% – [\d,]+%; Chỉ tiêu 98,0%; Chưa chắc chắn/);
      expect(part).toMatch(/12 tháng \(11\/2025 – 10\/2026\): (<b>)?98,0%(<\/b>)? \(số hồ sơ 50; .*; Đạt chỉ tiêu\)/);
    }
    expect(vi.text).not.toContain('Hồ sơ TTHC giải quyết đúng hạn');
    const none = await compose('vi', 'Sở GDĐT', { onTime: onTimeStats([], periodRange('2025-11', '2026-10'), new Date(), () => 0.98) });
    expect(none.html).not.toContain('Hồ sơ TTHC giải quyết đúng hạn');
  });

  it('when the scope received dossiers, then both parts carry the one-stop shares over 12 months and the service index', async () => {
    // 50 received, 20 online (40%, interval up to 54%: uncertain against 50%); 30 with a fee, 12 paid online (40%); 40 returned with the column, 36 digitised (90%).
    const counts = { received: 50, online: 20, withFee: 30, paidOnline: 12, digitisedKnown: 40, digitised: 36, complaintKnown: 40, complaints: 2 };
    const docs = [{ _id: '2026-10|SGD', period: '2026-10', scope: 'SGD', returned: 40, onTime: 39, rated: 0, openDue: [], oneStop: counts }];
    const periods = periodRange('2025-11', '2026-10');
    const onTime = onTimeStats(docs, periods, new Date('2026-11-05T00:00:00Z'), () => 0.98);
    const shares = oneStopShares(docs, periods, { value: (kind) => ({ online: 0.5, paidOnline: 0.3, digitised: 0.9 })[kind], source: () => null });
    const rates = { onTime: onTime.headline.share, online: 0.4, paidOnline: 0.4, digitised: 0.9, complaints: 0.05 };
    const index = serviceIndex(rates, DEFAULT_SERVICE_INDEX);
    const mail = await compose('vi', 'Sở GDĐT', { onTime: { ...onTime, ...shares, serviceIndex: index } });
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('Các chỉ tiêu một cửa khác (12 tháng)');
      expect(part).toMatch(
        /Hồ sơ tiếp nhận trực tuyến: (<b>)?40,0%(<\/b>)? \(số hồ sơ 50; Khoảng tin cậy 95% [\d,]+% – [\d,]+%; Chỉ tiêu 50,0%; Chưa chắc chắn/,
      );
      expect(part).toMatch(/Thanh toán trực tuyến \(hồ sơ có phí\): (<b>)?40,0%(<\/b>)? \(số hồ sơ 30; .*; Chỉ tiêu 30,0%; Đạt chỉ tiêu\)/);
      expect(part).toMatch(/Kết quả được số hóa: (<b>)?90,0%(<\/b>)? \(số hồ sơ 40; .*; Chỉ tiêu 90,0%; Đạt chỉ tiêu\)/);
      expect(part).toContain(
        `Chỉ số phục vụ (Sở tự tính sớm, 12 tháng đến 10/2026): ${new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 }).format(index.points)} / 82 điểm`,
      );
    }
    expect(vi.text).not.toContain('Các chỉ tiêu một cửa khác');
  });

  it('when the scope had follow-up cases, then both parts count them; a month without any shows no such block', async () => {
    const mail = await compose('vi', 'Sở GDĐT', { cases: { opened: 4, closed: 3, overdue: 1, medianHoursToContact: 30 } });
    expect(mail.text).toContain('mở trong tháng: 4; đóng trong tháng: 3; đang quá hạn: 1; thời gian trung vị đến lần liên hệ đầu: 30,00 giờ');
    for (const part of ['mở trong tháng', 'đang quá hạn', '30,00 giờ']) expect(mail.html).toContain(part);
    const quiet = await compose('vi', 'Sở GDĐT', { cases: { opened: 0, closed: 0, overdue: 0, medianHoursToContact: null } });
    expect(quiet.text).not.toContain('Phản hồi cần liên hệ lại');
  });

  it('when English is asked, then the same figures come in English formatting', async () => {
    const en = await compose('en');
    expect(en.subject).toBe('Hài Lòng – Monthly summary 10/2026 – Sở GDĐT: 72.7% satisfied (target 85.0%)');
    expect(en.text).toContain('Below target (95% confidence)');
    expect(en.text).toContain('Change from previous month: -2.3 percentage points (09/2026: 75.0%)');
  });
});
