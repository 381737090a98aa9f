import argon2 from 'argon2';
import request from 'supertest';
import { verifyPassword } from '../../src/access/passwords';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { createApiToken, createUser, csrfFrom, PASSWORD, signIn } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

const sessionCookie = (res: request.Response) =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('hl_sid='))
    ?.split(';')[0];

describe('admin sign-in and sessions', () => {
  let ctx: TestContext;
  let models: Models;
  let now = new Date('2026-11-20T02:00:00Z');
  beforeAll(async () => {
    ctx = await createTestContext({ SESSION_IDLE_MINUTES: '30', SESSION_MAX_HOURS: '8' }, { clock: () => now });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.create({ code: 'SGD', name: 'Sở', type: 'department', ancestors: [] });
    await createUser(models, 'admin@example.vn', 'super_admin', 'SGD');
    await createUser(models, 'lock@example.vn', 'viewer', 'SGD');
  });
  afterAll(() => ctx.close());

  it('when an account from an earlier version (argon2 defaults, 64 MiB) signs in, then its hash is replaced by one at 19 MiB and the password still works', async () => {
    await models.User.create({
      email: 'old@example.vn',
      name: 'Old',
      passwordHash: await argon2.hash(PASSWORD, { type: argon2.argon2id }),
      role: 'viewer',
      unitCode: 'SGD',
    });
    const before = (await models.User.findOne({ email: 'old@example.vn' }).lean())!.passwordHash;
    expect(before).toContain('m=65536');
    await signIn(ctx.app, 'old@example.vn');
    const after = (await models.User.findOne({ email: 'old@example.vn' }).lean())!.passwordHash;
    expect(after).toContain('m=19456,p=1,t=2');
    expect(await verifyPassword(after, PASSWORD)).toBe(true);
    await (await signIn(ctx.app, 'old@example.vn')).get('/admin').expect(200);
  });

  it('when the login form is posted without its CSRF token, then it is refused with 403 and nobody is signed in', async () => {
    const agent = request.agent(ctx.app);
    await agent.get('/admin/login').expect(200);
    await agent.post('/admin/login').type('form').send({ email: 'admin@example.vn', password: PASSWORD }).expect(403);
    await agent.post('/admin/login').type('form').send({ _csrf: 'forged', email: 'admin@example.vn', password: PASSWORD }).expect(403);
    await agent
      .get('/admin')
      .expect(303)
      .expect('location', /\/admin\/login/);
  });

  it('when a signed-in admin posts without the CSRF token, then the change is refused with 403', async () => {
    const agent = await signIn(ctx.app, 'admin@example.vn');
    await agent.post('/admin/logout').type('form').send({}).expect(403);
    await agent.get('/admin').expect(200);
  });

  it('when a user signs in, then the session id is renewed (a fixed pre-login session is worthless)', async () => {
    // The anonymous login page stores no session (nothing to fix there); a stored session's id is renewed too.
    expect(sessionCookie(await request(ctx.app).get('/admin/login'))).toBeUndefined();
    const agent = await signIn(ctx.app, 'admin@example.vn');
    const page = await agent.get('/admin').expect(200);
    const before = /hl_sid=[^;]+/.exec(page.request.cookies)?.[0];
    const res = await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'admin@example.vn', password: PASSWORD })
      .expect(303);
    const after = sessionCookie(res);
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    // The old cookie no longer opens the admin side.
    await request(ctx.app).get('/admin').set('Cookie', before!).expect(303);
    // One header line per cookie: an array at run time, whatever the type says.
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n');
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('when the session is idle longer than 30 minutes, then it ends and the login page says why', async () => {
    const agent = await signIn(ctx.app, 'admin@example.vn');
    now = new Date(now.getTime() + 29 * 60_000);
    await agent.get('/admin').expect(200);
    now = new Date(now.getTime() + 31 * 60_000);
    const res = await agent.get('/admin').expect(303);
    expect(res.headers.location).toContain('expired=1');
    await agent.get('/admin').expect(303);
  });

  it('when a busy session passes 8 hours, then it ends anyway (absolute timeout)', async () => {
    const agent = await signIn(ctx.app, 'admin@example.vn');
    for (let i = 0; i < 17; i++) {
      now = new Date(now.getTime() + 29 * 60_000);
      await agent.get('/admin');
    }
    await agent.get('/admin').expect(303);
  });

  it('when an account fails 5 times, then it is locked, the right password too, and the next lock lasts longer', async () => {
    const attempt = async (password: string) => {
      const agent = request.agent(ctx.app);
      const page = await agent.get('/admin/login');
      return agent
        .post('/admin/login')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: 'lock@example.vn', password });
    };
    for (let i = 0; i < 5; i++) expect((await attempt('sai-mat-khau')).status).toBe(401);
    const locked = await attempt(PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Đăng nhập sai quá nhiều lần');
    now = new Date(now.getTime() + 61_000);
    for (let i = 0; i < 5; i++) await attempt('sai-mat-khau');
    now = new Date(now.getTime() + 61_000);
    expect((await attempt(PASSWORD)).status).toBe(429); // second lock: 2 minutes
    now = new Date(now.getTime() + 61_000);
    expect((await attempt(PASSWORD)).status).toBe(303);
    const actions = (await models.Audit.find({ actor: 'lock@example.vn' }).lean()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['login.failure', 'login.locked', 'login.success']));
  });

  it('when an unknown account is tried, then the answer is the same as a wrong password', async () => {
    const agent = request.agent(ctx.app);
    const page = await agent.get('/admin/login');
    const res = await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'nobody@example.vn', password: 'x' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Thư điện tử hoặc mật khẩu không đúng');
  });

  it('when signed out, then the session no longer works and the sign-out is audited', async () => {
    const agent = await signIn(ctx.app, 'admin@example.vn');
    const page = await agent.get('/admin').expect(200);
    await agent
      .post('/admin/logout')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    await agent.get('/admin').expect(303);
    await agent.get('/api/v1/links').expect(401);
    expect(await models.Audit.countDocuments({ action: 'logout' })).toBeGreaterThan(0);
  });

  it('when the API is called without a session or token, with a bad token, or a revoked one, then it is 401', async () => {
    await request(ctx.app).get('/api/v1/stats').expect(401);
    await request(ctx.app).get('/api/v1/stats').set('Authorization', 'Bearer hl_notarealtokennotarealtoken').expect(401);
    const token = await createApiToken(models, 'SGD');
    await request(ctx.app).get('/api/v1/links').set('Authorization', `Bearer ${token}`).expect(200);
    await models.ApiToken.updateOne({ unitCode: 'SGD' }, { $set: { revokedAt: new Date() } });
    const res = await request(ctx.app).get('/api/v1/links').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body.error.code).toBe('unauthorized');
    const stored = await models.ApiToken.findOne({ unitCode: 'SGD' }).lean();
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('when a sign-in asks to return to another site, then it goes to the admin home instead', async () => {
    const agent = request.agent(ctx.app);
    const page = await agent.get('/admin/login');
    const res = await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'admin@example.vn', password: PASSWORD, next: '//evil.example/admin' });
    expect(res.headers.location).toBe('/admin');
  });
});
