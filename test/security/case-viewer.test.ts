import request from 'supertest';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { allAnswers, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Issue 25, item 2: a read-only viewer opened a case, saw the citizen's e-mail, resolved the case, added a note and
 * sent the closing e-mail. A viewer reads cases; acting on them and seeing whom to call need the right to manage
 * the case's unit.
 */
const now = new Date('2026-10-16T03:00:00Z');
const EMAIL = 'phuhuynh.viewer@example.vn';
const PHONE = '0987654321';

describe('a viewer and the follow-up cases', () => {
  let sink: SmtpSink;
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let caseId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    ctx = await createTestContext({ SMTP_URL: sink.url, MAIL_FROM: 'hailong@so-gddt.example.vn' }, { clock: () => now });
    fx = await seedSurveyFixtures(ctx.db, now);
    await createUser(fx.models, 'viewer@example.vn', 'viewer', 'PGD-A');
    await createUser(fx.models, 'pgd@example.vn', 'unit_manager', 'PGD-A');
    const fields = { ...allAnswers(fx.instrument('edu-parent-thcs'), 1), overall: '1', consent_contact: 'yes', contact_email: EMAIL, contact_phone: PHONE };
    expect((await fillAndSubmit(request.agent(ctx.app), `/s/${fx.links['edu-parent-thcs']}`, fields)).res.status).toBe(303);
    caseId = (await fx.models.Case.findOne().lean())!._id;
  });
  afterAll(async () => {
    await ctx.close();
    await sink.close();
  });

  it('when a viewer opens a case, then it reads the case without the contact details, no contact view is audited, and no action is offered', async () => {
    const viewer = await signIn(ctx.app, 'viewer@example.vn');
    const page = (await viewer.get(`/admin/cases/${caseId}`).expect(200)).text;
    expect(page).toContain('data-contact="withheld"');
    expect(page).not.toContain(EMAIL);
    expect(page).not.toContain(PHONE);
    expect(page).not.toContain('name="action"');
    expect(await fx.models.Audit.countDocuments({ action: 'case.contact.view', target: caseId })).toBe(0);
  });

  it.each([
    { action: 'resolved', reply: 'Đã xử lý xong.' },
    { action: 'contacted' },
    { action: 'closed_unreachable' },
    { action: 'note', text: 'Ghi chú của tài khoản chỉ xem' },
    { action: 'assign', assignee: 'Người khác' },
  ])('when a viewer posts $action to a case, then it is refused with 403 and nothing changes or is sent', async (fields) => {
    const viewer = await signIn(ctx.app, 'viewer@example.vn');
    const csrf = csrfFrom((await viewer.get(`/admin/cases/${caseId}`).expect(200)).text);
    const before = await fx.models.Case.findById(caseId).lean();
    const res = await viewer
      .post(`/admin/cases/${caseId}`)
      .type('form')
      .send({ _csrf: csrf, ...fields });
    expect(res.status).toBe(403);
    expect(await fx.models.Case.findById(caseId).lean()).toEqual(before);
    expect(sink.messages).toHaveLength(0);
    expect((await fx.models.Audit.find({ target: caseId }).lean()).map((a) => a.action)).toEqual([]);
  });

  it('when the unit manager opens the same case, then the details are there (audited) and closing it with a note e-mails the citizen', async () => {
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    const page = (await pgd.get(`/admin/cases/${caseId}`).expect(200)).text;
    expect(page).toContain(EMAIL);
    expect(await fx.models.Audit.countDocuments({ action: 'case.contact.view', target: caseId })).toBe(1);
    const res = await pgd
      .post(`/admin/cases/${caseId}`)
      .type('form')
      .send({ _csrf: csrfFrom(page), action: 'resolved', reply: 'Đã xử lý xong.' });
    expect(res.status).toBe(303);
    expect(sink.messages).toHaveLength(1);
  });
});
