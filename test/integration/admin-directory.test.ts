import request from 'supertest';
import { createModels, type Models } from '../../src/models';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank } from '../../src/surveys/survey-catalog';
import { acceptInvitation, createUser, csrfFrom, invitationTokenIn, signIn } from '../helpers/admin-fixtures';
import { seedSurveyFixtures, tokenFrom } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

describe('admin directory: units, accounts, audit log, survey versions', () => {
  let ctx: TestContext;
  let models: Models;
  let dept: request.Agent;
  let manager: request.Agent;

  beforeAll(async () => {
    ctx = await createTestContext();
    await seedSurveyFixtures(ctx.db);
    models = createModels(ctx.db.connection);
    await createUser(models, 'dept@x.vn', 'department', 'SGD');
    await createUser(models, 'manager@x.vn', 'unit_manager', 'PGD-A');
    dept = await signIn(ctx.app, 'dept@x.vn');
    manager = await signIn(ctx.app, 'manager@x.vn');
  });
  afterAll(() => ctx.close());

  const csrf = async (agent: request.Agent, page: string) => csrfFrom((await agent.get(page).expect(200)).text);

  it('when department staff import a units CSV with an error, then nothing is imported and the row is reported', async () => {
    const before = await models.Unit.countDocuments();
    const csv = 'code,name,type,level,district,parent\nTH-MOI,Trường Tiểu học Mới,school,tieuhoc,An Phú,PGD-A\nBAD,Trường lỗi,school,,An Phú,NOPE\n';
    const res = await dept
      .post('/admin/units/import')
      .type('form')
      .send({ _csrf: await csrf(dept, '/admin/units'), csv })
      .expect(422);
    expect(res.text).toContain('Dòng 3');
    expect(await models.Unit.countDocuments()).toBe(before);
    const good = await dept
      .post('/admin/units/import')
      .type('form')
      .send({ _csrf: await csrf(dept, '/admin/units'), csv: csv.split('\n').slice(0, 2).join('\n') })
      .expect(200);
    expect(good.text).toContain('Đã nhập 1 đơn vị');
    expect((await models.Unit.findOne({ code: 'TH-MOI' }).lean())?.ancestors).toEqual(['SGD', 'PGD-A']);
    await manager
      .post('/admin/units/import')
      .type('form')
      .send({ _csrf: await csrf(manager, '/admin/units'), csv })
      .expect(403);
  });

  it('when an account is invited, then the invitee chooses a password and signs in with it; a manager cannot invite department staff', async () => {
    const page = await manager
      .post('/admin/users')
      .type('form')
      .send({ _csrf: await csrf(manager, '/admin/users'), email: 'GiaoVien@X.vn', name: 'Cô Lan', role: 'viewer', unitCode: 'TH-KIMDONG' })
      .expect(200);
    // Without SMTP the link is shown to the administrator, once; the account exists only once it is accepted.
    expect(await models.User.countDocuments({ email: 'giaovien@x.vn' })).toBe(0);
    expect(page.text).toContain('Lời mời đang chờ');
    const accepted = await acceptInvitation(ctx.app, invitationTokenIn(page.text)!, 'mat-khau-cua-co-lan');
    expect(accepted.status).toBe(200);
    expect(accepted.text).toContain('Đã tạo tài khoản');
    await signIn(ctx.app, 'giaovien@x.vn', 'mat-khau-cua-co-lan');
    expect((await manager.get('/admin/users').expect(200)).text).not.toContain('Lời mời đang chờ');
    const stored = await models.User.findOne({ email: 'giaovien@x.vn' }).lean();
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    await manager
      .post('/admin/users')
      .type('form')
      .send({ _csrf: await csrf(manager, '/admin/users'), email: 'boss@x.vn', name: 'Sếp', role: 'department', unitCode: 'SGD' })
      .expect(403);
  });

  it('when an account is disabled, then its session stops working at the next request', async () => {
    await createUser(models, 'leaving@x.vn', 'viewer', 'SGD');
    const leaving = await signIn(ctx.app, 'leaving@x.vn');
    await leaving.get('/admin').expect(200);
    await dept
      .post('/admin/users/leaving%40x.vn/disable')
      .type('form')
      .send({ _csrf: await csrf(dept, '/admin/users') })
      .expect(303);
    await leaving.get('/admin').expect(303);
  });

  it('when the audit log is opened, then department staff see sign-ins and changes; a manager gets 403', async () => {
    const res = await dept.get('/admin/audit').expect(200);
    expect(res.text).toContain('login.success');
    expect(res.text).toContain('units.import');
    expect(res.text).toContain('user.disable');
    await manager.get('/admin/audit').expect(403);
  });

  it('when the wording of a survey is edited, then a new version serves new forms, the old stays, and a restart does not undo it', async () => {
    const res = await dept
      .post('/admin/surveys/tthc-quick/publish')
      .type('form')
      .send({ _csrf: await csrf(dept, '/admin/surveys/tthc-quick/1'), q_overall_vi: 'Nhìn chung, ông/bà có hài lòng không?' })
      .expect(303);
    expect(res.headers.location).toBe('/admin/surveys/tthc-quick/2');
    const v1 = await models.Survey.findOne({ key: 'tthc-quick', version: 1 }).lean();
    expect(v1?.definition.overall.text.vi).not.toBe('Nhìn chung, ông/bà có hài lòng không?');
    expect(await publishQuestionBank(models.Survey, QUESTION_BANK, new Date())).toEqual([]);
    const link = await models.Link.findOne({ surveyKey: 'tthc-quick' }).lean();
    const kiosk = await request(ctx.app).get(`/k/${link!.code}`).expect(200);
    expect(kiosk.text).toContain('Nhìn chung, ông/bà có hài lòng không?');
    const token = JSON.parse(Buffer.from(tokenFrom(kiosk.text).split('.')[0]!, 'base64url').toString());
    expect(token[2]).toBe(2);
    await manager
      .post('/admin/surveys/tthc-quick/publish')
      .type('form')
      .send({ _csrf: await csrf(manager, '/admin/surveys') })
      .expect(403);
  });
});
