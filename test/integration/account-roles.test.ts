import request from 'supertest';
import { hashApiToken } from '../../src/access/authenticate';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { acceptInvitation, createUser, csrfFrom, invitationTokenIn, signIn } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { TWO_DISTRICTS } from '../helpers/admin-fixtures';

const UNITS = TWO_DISTRICTS;

describe('accounts: scope of the user list, who may act on whom, API token expiry and revocation', () => {
  let ctx: TestContext;
  let models: Models;
  let now = new Date('2026-11-20T02:00:00Z');
  const agents: Record<string, request.Agent> = {};

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => now });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.insertMany(UNITS);
    const accounts = [
      ['super@x.vn', 'super_admin', 'SGD'],
      ['dept@x.vn', 'department', 'SGD'],
      ['dept2@x.vn', 'department', 'SGD'],
      ['manager@x.vn', 'unit_manager', 'PGD-A'],
      ['peer@x.vn', 'unit_manager', 'PGD-A'],
      ['school@x.vn', 'unit_manager', 'TH-A'],
      ['teacher@x.vn', 'viewer', 'TH-A'],
      ['other@x.vn', 'viewer', 'TH-B'],
    ] as const;
    for (const [email, role, unit] of accounts) await createUser(models, email, role, unit);
    for (const email of ['super@x.vn', 'dept@x.vn', 'manager@x.vn', 'teacher@x.vn']) agents[email] = await signIn(ctx.app, email);
  });
  afterAll(() => ctx.close());

  const csrf = async (agent: request.Agent, page = '/admin/users') => csrfFrom((await agent.get(page).expect(200)).text);
  const post = async (who: string, path: string, fields: Record<string, string> = {}, page?: string) =>
    agents[who]!.post(path)
      .type('form')
      .send({ _csrf: await csrf(agents[who]!, page), ...fields });

  it('when a unit manager invites an account, then the page that follows lists only accounts and invitations in its subtree', async () => {
    const res = await post('manager@x.vn', '/admin/users', { email: 'newteacher@x.vn', name: 'Cô Mai', role: 'viewer', unitCode: 'TH-A' });
    expect(res.status).toBe(200);
    for (const email of ['newteacher@x.vn', 'manager@x.vn', 'peer@x.vn', 'school@x.vn', 'teacher@x.vn']) expect(res.text).toContain(email);
    for (const email of ['super@x.vn', 'dept@x.vn', 'dept2@x.vn', 'other@x.vn']) expect(res.text).not.toContain(email);
    await post('dept@x.vn', '/admin/users', { email: 'elsewhere@x.vn', name: 'Thầy Nam', role: 'viewer', unitCode: 'TH-B' });
    const list = await agents['manager@x.vn']!.get('/admin/users').expect(200);
    expect(list.text).not.toContain('other@x.vn');
    expect(list.text).not.toContain('elsewhere@x.vn');
    expect((await acceptInvitation(ctx.app, invitationTokenIn(res.text)!)).status).toBe(200);
    expect((await models.User.findOne({ email: 'newteacher@x.vn' }).lean())?.unitCode).toBe('TH-A');
  });

  it('when department staff act on a super admin or a department peer, then it is 403 and nothing changes; a super admin may', async () => {
    expect((await post('dept@x.vn', '/admin/users/super%40x.vn/disable')).status).toBe(403);
    expect((await post('dept@x.vn', '/admin/users/dept2%40x.vn/disable')).status).toBe(403);
    expect((await post('dept@x.vn', '/admin/users/super%40x.vn/reset-link')).status).toBe(403);
    expect((await post('dept@x.vn', '/admin/users', { email: 'boss@x.vn', name: 'Sếp', role: 'super_admin', unitCode: 'SGD' })).status).toBe(403);
    expect((await post('dept@x.vn', '/admin/users', { email: 'peer2@x.vn', name: 'Ngang', role: 'department', unitCode: 'SGD' })).status).toBe(403);
    expect(await models.User.countDocuments({ disabled: true })).toBe(0);
    expect(await models.User.countDocuments({ email: 'boss@x.vn' })).toBe(0);
    expect((await post('dept@x.vn', '/admin/users', { email: 'pgdb@x.vn', name: 'QL B', role: 'unit_manager', unitCode: 'PGD-B' })).status).toBe(200);
    expect((await post('super@x.vn', '/admin/users/dept2%40x.vn/disable')).status).toBe(303);
    expect((await models.User.findOne({ email: 'dept2@x.vn' }).lean())?.disabled).toBe(true);
  });

  it('when a unit manager acts on accounts, then only lower roles in its subtree (or managers of units below it) are open to it', async () => {
    expect((await post('manager@x.vn', '/admin/users/peer%40x.vn/disable')).status).toBe(403);
    expect((await post('manager@x.vn', '/admin/users/other%40x.vn/disable')).status).toBe(404);
    expect((await post('manager@x.vn', '/admin/users/super%40x.vn/reset-link')).status).toBe(404);
    expect((await post('teacher@x.vn', '/admin/users/newteacher%40x.vn/disable')).status).toBe(403);
    expect((await post('manager@x.vn', '/admin/users/school%40x.vn/reset-link')).status).toBe(200);
    expect((await post('manager@x.vn', '/admin/users/newteacher%40x.vn/disable')).status).toBe(303);
    const page = await agents['manager@x.vn']!.get('/admin/users').expect(200);
    expect(page.text).toContain('/admin/users/teacher%40x.vn/disable');
    expect(page.text).not.toContain('/admin/users/peer%40x.vn/disable');
  });

  it('when the creator of an API token is disabled, then the token stops working at once', async () => {
    const page = await post('manager@x.vn', '/admin/tokens', { name: 'bao-cao', unitCode: 'PGD-A' }, '/admin/settings');
    expect(page.status).toBe(200);
    const token = /class="token">([^<]+)</.exec(page.text)![1]!;
    await request(ctx.app).get('/api/v1/links').set('Authorization', `Bearer ${token}`).expect(200);
    expect((await post('super@x.vn', '/admin/users/manager%40x.vn/disable')).status).toBe(303);
    await request(ctx.app).get('/api/v1/links').set('Authorization', `Bearer ${token}`).expect(401);
    expect((await models.ApiToken.findOne({ tokenHash: hashApiToken(token) }).lean())?.revokedAt).toBeInstanceOf(Date);
  });

  it("when department staff try to revoke a super admin's API token, then it is 403", async () => {
    const page = await post('super@x.vn', '/admin/tokens', { name: 'cua-quan-tri', unitCode: 'SGD' }, '/admin/settings');
    expect(page.status).toBe(200);
    const stored = await models.ApiToken.findOne({ name: 'cua-quan-tri' }).lean();
    expect((await post('dept@x.vn', `/admin/tokens/${String(stored!._id)}/revoke`, {}, '/admin/settings')).status).toBe(403);
    expect((await models.ApiToken.findById(stored!._id).lean())?.revokedAt).toBeUndefined();
  });

  it('when an API token is past its expiry (a year by default, or the days chosen), then it is 401', async () => {
    const make = async (fields: Record<string, string>) => {
      const page = await post('super@x.vn', '/admin/tokens', { unitCode: 'SGD', ...fields }, '/admin/settings');
      expect(page.status).toBe(200);
      return /class="token">([^<]+)</.exec(page.text)![1]!;
    };
    const week = await make({ name: 'mot-tuan', days: '7' });
    const year = await make({ name: 'mac-dinh' });
    expect((await post('super@x.vn', '/admin/tokens', { name: 'qua-dai', unitCode: 'SGD', days: '366' }, '/admin/settings')).status).toBe(400);
    const stored = await models.ApiToken.findOne({ name: 'mac-dinh' }).lean();
    expect(stored!.expiresAt!.getTime() - now.getTime()).toBe(365 * 24 * 3600_000);
    // A token from before expiry existed counts a year from its creation.
    const legacy = 'hl_legacy-token-without-expiry-000000000';
    await models.ApiToken.create({
      name: 'cu',
      tokenHash: hashApiToken(legacy),
      unitCode: 'SGD',
      createdBy: 'super@x.vn',
      createdAt: new Date(now.getTime() - 366 * 24 * 3600_000),
    });
    const call = (token: string) => request(ctx.app).get('/api/v1/links').set('Authorization', `Bearer ${token}`);
    await call(week).expect(200);
    await call(legacy).expect(401);
    now = new Date(now.getTime() + 8 * 24 * 3600_000);
    const expired = await call(week).expect(401);
    expect(expired.body.error.code).toBe('unauthorized');
    await call(year).expect(200);
  });
});
