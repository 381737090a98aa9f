import request from 'supertest';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { acceptInvitation, createUser, csrfFrom, invitationTokenIn, signIn, TWO_DISTRICTS } from '../helpers/admin-fixtures';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { waitFor } from '../helpers/wait';

/**
 * Issue #25 item 10: a unit manager could test whether any e-mail address has an account anywhere in the province,
 * since "This e-mail already has an account" gave it away. Accounts are invited now (access/invite-user.ts): an
 * address the manager cannot see gets the same answer and the same pending row, whether it is free or taken.
 */
describe('account existence is not disclosed to a unit manager', () => {
  let ctx: TestContext;
  let sink: SmtpSink;
  let models: Models;
  let manager: request.Agent;

  beforeAll(async () => {
    sink = await startSmtpSink();
    ctx = await createTestContext({ SMTP_URL: sink.url });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.insertMany(TWO_DISTRICTS);
    await createUser(models, 'manager@x.vn', 'unit_manager', 'PGD-A');
    await createUser(models, 'teacher@x.vn', 'viewer', 'TH-A');
    await createUser(models, 'other@x.vn', 'viewer', 'TH-B'); // in the other district: not the manager's to see
    manager = await signIn(ctx.app, 'manager@x.vn');
  });
  afterAll(async () => {
    await ctx?.close();
    await sink?.close();
  });

  const invite = async (email: string) => {
    const page = await manager.get('/admin/users').expect(200);
    return manager
      .post('/admin/users')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email, name: 'Cô Hoa', role: 'viewer', unitCode: 'TH-A' });
  };
  /** What the page says about the invitation, and its pending row, with the address itself masked. */
  const banner = (text: string, email: string) => /<div class="banner ok"[\s\S]*?<\/div>/.exec(text)?.[0].split(email).join('<address>');
  const row = (page: string, email: string) => {
    const pending = page.slice(page.indexOf('Lời mời đang chờ'));
    const match = new RegExp(`<tr><td>${email.replace(/\./g, '\\.')}</td>[\\s\\S]*?</tr>`).exec(pending);
    return match?.[0].replace(email, '<address>').replace(/\d{1,2}:\d{2}:\d{2}/, '<time>');
  };

  it('when a manager invites an address taken elsewhere and a free one, then both answers and both pending rows are the same', async () => {
    const taken = await invite('other@x.vn');
    const free = await invite('nobody-yet@x.vn');
    expect([taken.status, free.status]).toEqual([200, 200]);
    expect(banner(taken.text, 'other@x.vn')).toContain('Đã gửi lời mời');
    expect(banner(taken.text, 'other@x.vn')).toEqual(banner(free.text, 'nobody-yet@x.vn'));
    const list = (await manager.get('/admin/users').expect(200)).text;
    expect(row(list, 'other@x.vn')).toBeDefined();
    expect(row(list, 'other@x.vn')).toEqual(row(list, 'nobody-yet@x.vn'));
    expect(await models.Audit.countDocuments({ action: 'user.invite' })).toBe(2);
    // The taken address's owner gets a notice with no link; the free one gets the link.
    await waitFor(() => sink.messages.length >= 2, 5000);
    const to = (address: string) => sink.messages.find((m) => JSON.stringify(m.to).includes(address))!;
    expect(invitationTokenIn(to('other@x.vn').text ?? '')).toBeUndefined();
    expect(to('other@x.vn').text).toContain('đã có tài khoản');
    const token = invitationTokenIn(to('nobody-yet@x.vn').text ?? '')!;
    expect((await acceptInvitation(ctx.app, token)).status).toBe(200);
    await signIn(ctx.app, 'nobody-yet@x.vn');
    // The account elsewhere is untouched.
    expect((await models.User.findOne({ email: 'other@x.vn' }).lean())?.unitCode).toBe('TH-B');
  });

  it('when a manager invites an address it can already see, then it is told so', async () => {
    const res = await invite('teacher@x.vn');
    expect(res.status).toBe(400);
  });

  it('when an invitation link is used twice, is junk, or meets an address taken meanwhile, then nothing is made and the answer is a 4xx', async () => {
    await invite('twice@x.vn');
    await waitFor(() => sink.messages.some((m) => JSON.stringify(m.to).includes('twice@x.vn')), 5000);
    const token = invitationTokenIn(sink.messages.find((m) => JSON.stringify(m.to).includes('twice@x.vn'))!.text ?? '')!;
    await createUser(models, 'twice@x.vn', 'viewer', 'TH-B'); // someone else made the account first
    expect((await acceptInvitation(ctx.app, token)).status).toBe(409);
    await request(ctx.app).get(`/admin/invite?token=${token}`).expect(404);
    for (const query of ['', '?token=abc', '?token[]=x', `?token=${'a'.repeat(43)}`]) await request(ctx.app).get(`/admin/invite${query}`).expect(404);
    const visitor = request.agent(ctx.app);
    const login = csrfFrom((await visitor.get('/admin/login').expect(200)).text);
    await visitor
      .post('/admin/invite')
      .type('form')
      .send({ _csrf: login, token: ['a', 'b'], password: 'x', confirm: 'x' })
      .expect(404);
    expect((await models.User.findOne({ email: 'twice@x.vn' }).lean())?.unitCode).toBe('TH-B');
  });
});
