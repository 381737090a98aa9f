import request from 'supertest';
import { caseIdOf, caseMonth } from '../../src/cases/case-service';
import { runRetention } from '../../src/retention';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { allAnswers, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Follow-up cases (issue 16, items 1 and 2). "Now" starts on Friday 16 October 2026, 10:00 in Vietnam: 5 working
 * days later is the end of Friday 23 October (16:59:59.999 UTC).
 */
let now = new Date('2026-10-16T03:00:00Z');
const DAY = 24 * 3600 * 1000;

describe('follow-up cases', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  const thcs = () => `/s/${fx.links['edu-parent-thcs']}`;
  const low = () => ({ ...allAnswers(fx.instrument('edu-parent-thcs'), 2), overall: '2' });

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => now });
    fx = await seedSurveyFixtures(ctx.db, now);
    await createUser(fx.models, 'so@example.vn', 'department', 'SGD');
    await createUser(fx.models, 'pgd@example.vn', 'unit_manager', 'PGD-A');
    await createUser(fx.models, 'thpt@example.vn', 'unit_manager', 'THPT-CHUVANAN');
  });
  afterAll(() => ctx.close());

  it('when a low rating comes with contact consent, then one case opens for the unit, due in 5 working days; a high rating or no consent opens none', async () => {
    const submit = async (fields: Record<string, string>) => {
      expect((await fillAndSubmit(request.agent(ctx.app), thcs(), fields)).res.status).toBe(303);
    };
    await submit({ ...low(), contact_phone: '0912345678', consent_contact: 'yes', comment: 'Không ai trả lời điện thoại' });
    await submit({ ...low() }); // no contact: nobody to call
    await submit({ ...allAnswers(fx.instrument('edu-parent-thcs'), 4), contact_phone: '0912000000', consent_contact: 'yes' });
    const cases = await fx.models.Case.find().lean();
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({
      status: 'new',
      kind: 'education',
      unitCode: 'THCS-LELOI',
      overall: 2,
      scale: 5,
      dueAt: new Date('2026-10-23T16:59:59.999Z'),
      flags: [],
    });
    expect(cases[0]!._id).toBe(caseIdOf(cases[0]!.responseId));
  });

  it('when the API lists cases, then the unit and its ancestors see them, another subtree does not, and no contact detail is ever in it', async () => {
    const [dept, pgd, thpt] = await Promise.all(['so@example.vn', 'pgd@example.vn', 'thpt@example.vn'].map((e) => signIn(ctx.app, e)));
    const all = (await dept!.get('/api/v1/cases').expect(200)).body;
    expect(all).toEqual([
      {
        id: expect.any(String),
        kind: 'education',
        status: 'new',
        unit: { code: 'THCS-LELOI', name: 'Trường THCS Lê Lợi' },
        openedAt: now.toISOString(),
        dueAt: '2026-10-23T16:59:59.999Z',
        closedAt: null,
      },
    ]);
    expect(JSON.stringify(all)).not.toMatch(/0912345678|phone|email/);
    expect((await pgd!.get('/api/v1/cases?status=new').expect(200)).body).toHaveLength(1);
    expect((await pgd!.get('/api/v1/cases?status=resolved').expect(200)).body).toHaveLength(0);
    expect((await thpt!.get('/api/v1/cases').expect(200)).body).toEqual([]);
    await thpt!.get('/api/v1/cases?unit=PGD-A').expect(403);
    await thpt!.get(`/admin/cases/${all[0].id}`).expect(404);
    await dept!.get('/api/v1/cases?status=open').expect(400);
    await request(ctx.app).get('/api/v1/cases').expect(401);
  });

  it('when a manager opens the case page, then the contact details show and the view is audited; past the due date the case is marked overdue', async () => {
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    const [item] = (await pgd.get('/api/v1/cases').expect(200)).body;
    const page = (await pgd.get(`/admin/cases/${item.id}`).expect(200)).text;
    expect(page).toContain('0912345678');
    expect(page).toContain('Không ai trả lời điện thoại');
    expect(await fx.models.Audit.countDocuments({ action: 'case.contact.view', target: item.id, actor: 'pgd@example.vn' })).toBe(1);
    const list = (await pgd.get('/admin/cases').expect(200)).text;
    expect(list).toContain(`data-case="${item.id}" data-overdue="false"`);
    expect(list).not.toContain('0912345678');
    now = new Date('2026-10-24T03:00:00Z');
    const later = await signIn(ctx.app, 'pgd@example.vn'); // a day later the session has timed out
    expect((await later.get('/admin/cases').expect(200)).text).toContain(`data-case="${item.id}" data-overdue="true"`);
  });

  it('when staff contact, note and resolve the case, then each step is audited, a second close is refused, and the contact is deleted 30 days after closing', async () => {
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    const [item] = (await pgd.get('/api/v1/cases').expect(200)).body;
    const post = async (fields: Record<string, string>) => {
      const token = csrfFrom((await pgd.get(`/admin/cases/${item.id}`).expect(200)).text);
      return pgd
        .post(`/admin/cases/${item.id}`)
        .type('form')
        .send({ _csrf: token, ...fields });
    };
    expect((await post({ action: 'assign', assignee: 'Cô Lan, phó hiệu trưởng' })).status).toBe(303);
    expect((await post({ action: 'contacted' })).status).toBe(303);
    expect((await post({ action: 'note', text: 'Đã gọi phụ huynh, hẹn gặp thứ Hai.' })).status).toBe(303);
    expect((await post({ action: 'contacted' })).status).toBe(409);
    expect((await post({ action: 'resolved' })).status).toBe(303);
    expect((await post({ action: 'closed_unreachable' })).status).toBe(409);
    expect((await post({ action: 'reopen' })).status).toBe(400);
    const stored = await fx.models.Case.findById(item.id).lean();
    expect(stored).toMatchObject({
      status: 'resolved',
      assignee: 'Cô Lan, phó hiệu trưởng',
      firstContactAt: now,
      closedAt: now,
      notes: [{ by: 'pgd@example.vn', text: 'Đã gọi phụ huynh, hẹn gặp thứ Hai.' }],
    });
    expect((await fx.models.Audit.find({ target: item.id }).lean()).map((a) => a.action).filter((a) => a !== 'case.contact.view')).toEqual([
      'case.assign',
      'case.contacted',
      'case.note',
      'case.resolved',
    ]);
    expect((await pgd.get('/api/v1/cases').expect(200)).body[0]).toMatchObject({ status: 'resolved', closedAt: now.toISOString() });

    const contact = await fx.models.Contact.findOne({ responseId: stored!.responseId }).lean();
    expect(contact!.retainUntil).toEqual(new Date(now.getTime() + 30 * DAY));
    await runRetention(fx.models, new Date(now.getTime() + 29 * DAY));
    expect(await fx.models.Contact.countDocuments({ responseId: stored!.responseId })).toBe(1);
    await runRetention(fx.models, new Date(now.getTime() + 31 * DAY));
    expect(await fx.models.Contact.countDocuments({ responseId: stored!.responseId })).toBe(0);
    expect((await pgd.get(`/admin/cases/${item.id}`).expect(200)).text).toContain('Thông tin liên hệ đã được xoá');
  });

  it('when the instance that stored an answer stops before projecting it, then another instance opens its case once, with its contact', async () => {
    const dying = await createTestContext({}, { keepData: true, clock: () => now });
    await dying.instance.projector.close(); // it stores answers and dies before its projector runs
    const page = await request(dying.app).get(thcs()).expect(200);
    const token = /name="_token" value="([^"]+)"/.exec(page.text)![1]!;
    await request(dying.app)
      .post(thcs())
      .type('form')
      .send({ _token: token, ...low(), contact_phone: '0987654321', consent_contact: 'yes' })
      .expect(303);
    await dying.close();
    expect(await fx.models.Contact.countDocuments({ phone: '0987654321' })).toBe(0);
    await ctx.instance.projector.drainAll();
    await ctx.instance.projector.drainAll();
    const contact = await fx.models.Contact.findOne({ phone: '0987654321' }).lean();
    expect(await fx.models.Case.countDocuments({ responseId: contact!.responseId })).toBe(1);
  });

  it('when the month is summed up for the e-mail, then it counts opened, closed, overdue and the median time to first contact', async () => {
    // Opened 16 Oct (contacted 24 Oct 10:00, 192 h later, then resolved) and 24 Oct (the sweep's, due 30 Oct).
    expect(await caseMonth(fx.models, 'SGD', '2026-10', now)).toEqual({ opened: 2, closed: 1, overdue: 0, medianHoursToContact: 192 });
    expect(await caseMonth(fx.models, 'SGD', '2026-10', new Date('2026-11-02T03:00:00Z'))).toMatchObject({ overdue: 1 });
    expect(await caseMonth(fx.models, 'THPT-CHUVANAN', '2026-10', now)).toEqual({ opened: 0, closed: 0, overdue: 0, medianHoursToContact: null });
  });

  it('when department staff set 2 working days for education, then the next case is due then, the change is audited, and a manager cannot set it', async () => {
    const dept = await signIn(ctx.app, 'so@example.vn');
    const token = csrfFrom((await dept.get('/admin/settings').expect(200)).text);
    await dept.post('/admin/case-due-days').type('form').send({ _csrf: token, kind: 'education', days: '0' }).expect(400);
    await dept.post('/admin/case-due-days').type('form').send({ _csrf: token, kind: 'education', days: '2' }).expect(303);
    expect((await dept.get('/admin/settings').expect(200)).text).toContain('data-case-days="education">2<');
    expect(await fx.models.Audit.countDocuments({ action: 'case.dueDays.set', target: 'education' })).toBe(1);
    const pgd = await signIn(ctx.app, 'pgd@example.vn');
    const pgdToken = csrfFrom((await pgd.get('/admin/settings').expect(200)).text);
    await pgd.post('/admin/case-due-days').type('form').send({ _csrf: pgdToken, kind: 'education', days: '30' }).expect(403);
    await fillAndSubmit(request.agent(ctx.app), thcs(), { ...low(), contact_phone: '0911111111', consent_contact: 'yes' });
    const contact = await fx.models.Contact.findOne({ phone: '0911111111' }).lean();
    // Saturday 24 October 10:00 in Vietnam + 2 working days: Tuesday 27 October.
    expect((await fx.models.Case.findById(caseIdOf(contact!.responseId)).lean())?.dueAt).toEqual(new Date('2026-10-27T16:59:59.999Z'));
  });
});
