import request from 'supertest';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { allAnswers, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/** Issue 16, item 1: "with e-mail consent, closing a case can send the citizen one short note". */
const now = new Date('2026-10-16T03:00:00Z');

describe('the closing note to the citizen', () => {
  let sink: SmtpSink;
  let ctx: TestContext;
  let fx: SurveyFixtures;

  beforeAll(async () => {
    sink = await startSmtpSink();
    ctx = await createTestContext({ SMTP_URL: sink.url, MAIL_FROM: 'hailong@so-gddt.example.vn' }, { clock: () => now });
    fx = await seedSurveyFixtures(ctx.db, now);
    await createUser(fx.models, 'pgd@example.vn', 'unit_manager', 'PGD-A');
  });
  afterAll(async () => {
    await ctx.close();
    await sink.close();
  });

  /** A low rating with consent and these contact fields; returns its case id. */
  async function openCase(contact: Record<string, string>): Promise<string> {
    const before = new Set((await fx.models.Case.find().lean()).map((c) => c._id));
    const fields = { ...allAnswers(fx.instrument('edu-parent-thcs'), 1), overall: '1', consent_contact: 'yes', ...contact };
    expect((await fillAndSubmit(request.agent(ctx.app), `/s/${fx.links['edu-parent-thcs']}`, fields)).res.status).toBe(303);
    const opened = (await fx.models.Case.find().lean()).filter((c) => !before.has(c._id));
    expect(opened).toHaveLength(1);
    return opened[0]!._id;
  }

  const close = async (agent: request.Agent, id: string, fields: Record<string, string>) => {
    const page = (await agent.get(`/admin/cases/${id}`).expect(200)).text;
    return agent
      .post(`/admin/cases/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page), ...fields });
  };

  it('when a case with an e-mail address closes with a note, then the citizen gets it once, the page says so and the audit records it without the address', async () => {
    const id = await openCase({ contact_email: 'phuhuynh@example.vn' });
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    expect((await pgd.get(`/admin/cases/${id}`).expect(200)).text).toContain('name="reply"');

    expect((await close(pgd, id, { action: 'resolved', reply: 'Nhà trường đã sửa cổng; cảm ơn phụ huynh đã góp ý.' })).status).toBe(303);

    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0]!;
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('phuhuynh@example.vn');
    expect(mail.from?.text).toBe('hailong@so-gddt.example.vn');
    expect(mail.subject).toContain('Trường THCS Lê Lợi');
    expect(mail.text).toContain('Nhà trường đã sửa cổng; cảm ơn phụ huynh đã góp ý.');
    const page = (await pgd.get(`/admin/cases/${id}`).expect(200)).text;
    expect(page).toContain('data-reply="sent"');
    expect(page).not.toContain('name="reply"');
    const audits = await fx.models.Audit.find({ target: id, action: 'case.reply' }).lean();
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits)).not.toContain('phuhuynh@example.vn');
  });

  it('when a second close is tried, or a case has only a phone number, then no e-mail goes out', async () => {
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    const sent = (await fx.models.Case.find().lean()).find((c) => c.reply?.sentAt);
    expect((await close(pgd, sent!._id, { action: 'closed_unreachable', reply: 'Lần hai' })).status).toBe(409);

    const phoneOnly = await openCase({ contact_phone: '0912345678' });
    expect((await pgd.get(`/admin/cases/${phoneOnly}`).expect(200)).text).not.toContain('name="reply"');
    expect((await close(pgd, phoneOnly, { action: 'resolved', reply: 'Không có địa chỉ thư' })).status).toBe(303);
    expect(sink.messages).toHaveLength(1);
    expect((await fx.models.Case.findById(phoneOnly).lean())?.reply).toBeUndefined();
  });

  it('when the mail server refuses the note, then the case is still closed and its page says the note was not sent', async () => {
    const id = await openCase({ contact_email: 'khac@example.vn' });
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    sink.failNext(550);
    expect((await close(pgd, id, { action: 'resolved', reply: 'Đã xử lý' })).status).toBe(303);
    expect((await fx.models.Case.findById(id).lean())?.status).toBe('resolved');
    expect((await pgd.get(`/admin/cases/${id}`).expect(200)).text).toContain('data-reply="failed"');
    expect(await fx.models.Audit.countDocuments({ target: id, action: 'case.reply.failed' })).toBe(1);
  });

  it('when the note is too long, then the case stays open and the answer is a clear 400', async () => {
    const id = await openCase({ contact_email: 'dai@example.vn' });
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    const res = await close(pgd, id, { action: 'resolved', reply: 'x'.repeat(1001) });
    expect(res.status).toBe(400);
    expect((await fx.models.Case.findById(id).lean())?.status).toBe('new');
  });
});
