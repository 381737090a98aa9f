import { spawn } from 'node:child_process';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { createLogger } from '../../src/logger';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { createMailer } from '../../src/mail/mailer';
import { runMonthlyReport } from '../../src/reports/monthly-run';
import { deliverDue, type DeliveryDeps } from '../../src/reports/outbox';
import { dueThisMonth, reportedPeriod, startReportSchedule } from '../../src/reports/schedule';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { connectTestDatabase, testDatabaseUri } from '../helpers/test-db';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { Projector } from '../../src/projector/projector';

const SGD: Unit = { code: 'SGD', name: 'Sở Giáo dục và Đào tạo tỉnh Mẫu', type: 'department', ancestors: [] };
const TH: Unit = { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] };
const THCS: Unit = { code: 'THCS-B', name: 'THCS B', type: 'school', level: 'thcs', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] };
const PERIOD = '2026-10';
const NOW = new Date('2026-11-01T00:30:00Z'); // 07:30 on 1 November in Vietnam

describe('monthly e-mail summaries', () => {
  let ctx: TestContext;
  let models: Models;
  let sink: SmtpSink;
  let deps: DeliveryDeps;
  const logger = createLogger('silent');

  beforeAll(async () => {
    sink = await startSmtpSink();
    ctx = await createTestContext({ SMTP_URL: sink.url, MAIL_FROM: 'Hài Lòng <baocao@sogd.test>' });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.insertMany([SGD, TH, THCS]);
    await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
    await seedTargets(models.Target);
    const add = (unit: Unit, period: string, scores: number[], comments?: string[]) =>
      addResponses(models, { unit, surveyKey: `edu-parent-${unit.level}`, kind: 'education', scale: 5, period, scores, comments });
    await add(TH, PERIOD, [...Array(30).fill(5), ...Array(10).fill(2)], ['Cảm ơn cô giáo', 'Sân trường cần thêm cây xanh']);
    await add(THCS, PERIOD, [...Array(20).fill(4), ...Array(5).fill(1)]);
    await add(TH, '2026-09', Array(12).fill(4));
    await add(TH, '2025-10', [...Array(8).fill(5), ...Array(8).fill(3)]);
    await createUser(models, 'so@sogd.test', 'super_admin', 'SGD');
    await models.Subscription.create({ email: 'giamdoc@sogd.test', unitCode: 'SGD', kind: 'education', lang: 'vi', createdBy: 'test', createdAt: NOW });
    await models.Subscription.create({ email: 'hieutruong@tha.test', unitCode: 'TH-A', kind: 'education', lang: 'en', createdBy: 'test', createdAt: NOW });
    deps = {
      models,
      catalog: new SurveyCatalog(models.Survey),
      projector: ctx.instance.projector,
      mailer: createMailer(sink.url, logger),
      logger,
      mailFrom: 'Hài Lòng <baocao@sogd.test>',
      publicBaseUrl: 'http://hailong.test',
    };
  });
  afterAll(async () => {
    await ctx.close();
    await sink.close();
  });
  beforeEach(() => sink.messages.splice(0));

  it('when the period runs, then each recipient gets one mail with the API figures, an inline PNG chart and the XLSX', async () => {
    const result = await runMonthlyReport(deps, { period: PERIOD }, NOW);
    expect(result).toMatchObject({ queued: 2, sent: 2, failed: 0 });
    expect(sink.messages.map((m) => (m.to as { text: string }).text).sort()).toEqual(['giamdoc@sogd.test', 'hieutruong@tha.test']);

    const agent = await signIn(ctx.app, 'so@sogd.test');
    const api = (await agent.get(`/api/v1/stats?kind=education&unit=SGD&from=${PERIOD}&to=${PERIOD}`).expect(200)).body;
    expect(api.headline).toMatchObject({ n: 65, satisfied: 50 });
    const mail = sink.messages.find((m) => (m.to as { text: string }).text === 'giamdoc@sogd.test')!;
    const share = new Intl.NumberFormat('vi-VN', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(api.headline.share);
    expect(share).toBe('76,9%');
    expect(mail.subject).toContain(share);
    expect(mail.text).toContain(share);
    expect(mail.html).toContain(share);
    expect(mail.text).toContain('65');
    // The month's new comments, as the comment list counts them for the province.
    expect(mail.text).toContain('Ý kiến mới trong tháng: 2');
    expect((await agent.get(`/admin/comments?kind=education&unit=SGD&from=${PERIOD}&to=${PERIOD}&status=new`).expect(200)).text).toContain(
      'Sân trường cần thêm cây xanh',
    );
    expect(mail.messageId).toBe(`<monthly.${PERIOD}.${String((await models.Subscription.findOne({ email: 'giamdoc@sogd.test' }))!._id)}@hailong.test>`);
    const png = mail.attachments.find((a) => a.contentType === 'image/png')!;
    expect(png.cid).toBe('trend@hailong');
    expect(png.content.subarray(1, 4).toString()).toBe('PNG');
    expect(mail.html).toContain('cid:trend@hailong');
    expect(mail.html).not.toMatch(/<img[^>]+src="https?:/);
    const xlsx = mail.attachments.find((a) => a.filename?.endsWith('.xlsx'))!;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.content as unknown as ExcelJS.Buffer);
    expect(book.worksheets.length).toBeGreaterThanOrEqual(2);
    const english = sink.messages.find((m) => (m.to as { text: string }).text === 'hieutruong@tha.test')!;
    expect(english.subject).toMatch(/75\.0%/);
  });

  it('when the command runs again for a sent period, then nothing is sent unless forced', async () => {
    expect(await runMonthlyReport(deps, { period: PERIOD }, NOW)).toMatchObject({ queued: 0, sent: 0, skippedAlreadySent: 2 });
    expect(sink.messages).toHaveLength(0);
    expect(await runMonthlyReport(deps, { period: PERIOD, force: true }, NOW)).toMatchObject({ queued: 2, sent: 2 });
    expect(sink.messages).toHaveLength(2);
  });

  it('when two app instances tick at the same moment, then each recipient gets exactly one mail', async () => {
    const second = await connectTestDatabase({ keepData: true });
    try {
      const models2 = createModels(second.connection);
      const deps2 = {
        ...deps,
        models: models2,
        catalog: new SurveyCatalog(models2.Survey),
        projector: new Projector(second.connection),
        mailer: createMailer(sink.url, logger),
      };
      const [a, b] = await Promise.all([runMonthlyReport(deps, { period: '2026-09' }, NOW), runMonthlyReport(deps2, { period: '2026-09' }, NOW)]);
      expect(a.sent + b.sent).toBe(2);
      expect(sink.messages.map((m) => (m.to as { text: string }).text).sort()).toEqual(['giamdoc@sogd.test', 'hieutruong@tha.test']);
      expect(await models.Outbox.countDocuments({ period: '2026-09', state: 'sent' })).toBe(2);
    } finally {
      await second.close();
    }
  });

  it('when the mail server answers 451 and then recovers, then the mail arrives once after a retry', async () => {
    sink.failNext(451, 2);
    const first = await runMonthlyReport(deps, { period: '2026-08' }, NOW);
    expect(first).toMatchObject({ sent: 0, retrying: 2 });
    expect(sink.messages).toHaveLength(0);
    expect(await deliverDue(deps, new Date(NOW.getTime() + 30_000))).toMatchObject({ sent: 0 }); // backoff not over
    expect(await deliverDue(deps, new Date(NOW.getTime() + 61_000))).toMatchObject({ sent: 2 });
    expect(await deliverDue(deps, new Date(NOW.getTime() + 3600_000))).toMatchObject({ sent: 0 });
    expect(sink.messages).toHaveLength(2);
    const entries = await models.Outbox.find({ period: '2026-08' }).lean();
    expect(entries.map((e) => [e.state, e.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
  });

  it('when the mail server answers 550, then the entry is failed and the admin page shows it', async () => {
    sink.failNext(550, 2);
    const result = await runMonthlyReport(deps, { period: '2026-07' }, NOW);
    expect(result).toMatchObject({ sent: 0, failed: 2 });
    expect(await deliverDue(deps, new Date(NOW.getTime() + 24 * 3600_000))).toMatchObject({ sent: 0 });
    const agent = await signIn(ctx.app, 'so@sogd.test');
    const page = await agent.get('/admin/reports').expect(200);
    expect(page.text).toContain('Gửi thất bại');
    expect(page.text).toContain('550');
  });

  it('when the app starts after a missed run, then the catch-up sends the month just ended', async () => {
    const now = new Date('2026-12-03T02:00:00Z');
    expect(reportedPeriod(now)).toBe('2026-11');
    expect(dueThisMonth('0 7 1 * *', now)?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    const schedule = startReportSchedule(deps, '0 7 1 * *', () => now);
    try {
      await schedule.catchUp();
      expect(await models.Outbox.countDocuments({ period: '2026-11', state: 'sent' })).toBe(2);
      await schedule.catchUp();
      expect(sink.messages).toHaveLength(2);
    } finally {
      schedule.stop();
    }
  });

  it('when an admin previews and sends the summary to themselves, then it renders with the chart inline and arrives', async () => {
    const agent = await signIn(ctx.app, 'so@sogd.test');
    const preview = await agent.get(`/admin/reports/preview?period=${PERIOD}&unit=SGD&kind=education`).expect(200);
    expect(preview.text).toContain('data:image/png;base64,');
    expect(preview.headers['content-security-policy']).not.toContain('script');
    const page = await agent.get('/admin/reports').expect(200);
    await agent
      .post('/admin/reports/send-self')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), period: PERIOD, unit: 'SGD', kind: 'education', lang: 'vi' })
      .expect(303);
    expect(sink.messages.map((m) => (m.to as { text: string }).text)).toEqual(['so@sogd.test']);
    expect(await models.Outbox.countDocuments({ to: 'so@sogd.test' })).toBe(0);
  });

  it('when `npm run report:monthly -- --to` runs, then a preview goes to that address only and nothing is recorded', async () => {
    const before = await models.Outbox.countDocuments();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'scripts', 'report-monthly.js'), '--period', PERIOD, '--to', 'thu@sogd.test'], {
      env: { PATH: process.env.PATH, MONGODB_URI: testDatabaseUri(), SMTP_URL: sink.url, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += String(c)));
    child.stderr.on('data', (c) => (output += String(c)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect([code, output]).toEqual([0, expect.stringContaining('sent 1')]);
    expect(sink.messages.map((m) => (m.to as { text: string }).text)).toEqual(['thu@sogd.test']);
    expect(await models.Outbox.countDocuments()).toBe(before);
  });
});
