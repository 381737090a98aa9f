import crypto from 'node:crypto';
import request from 'supertest';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { purposeKey } from '../../src/secret-keys';
import { createUser, csrfFrom, PASSWORD } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

const EMAIL = 'phien@sogd.gov.vn';
const setCookies = (res: request.Response): string[] => ([] as string[]).concat(res.headers['set-cookie'] ?? []);
const cookieNamed = (res: request.Response, name: string) =>
  setCookies(res)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/** cookie-signature's check, as express-session and cookie-parser do it: "s:<value>.<base64 HMAC without padding>". */
function signedBy(cookie: string, key: string): boolean {
  const raw = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  if (!raw.startsWith('s:')) return false;
  const dot = raw.lastIndexOf('.');
  const value = raw.slice(2, dot);
  return raw.slice(dot + 1) === crypto.createHmac('sha256', key).update(value).digest('base64').replace(/=+$/, '');
}

describe('the anonymous sign-in page and the keys that sign cookies', () => {
  let ctx: TestContext;
  let models: Models;
  const sessions = () => ctx.db.connection.collection('sessions').countDocuments({});
  beforeAll(async () => {
    ctx = await createTestContext();
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.create({ code: 'SGD', name: 'Sở', type: 'department', ancestors: [] });
    await createUser(models, EMAIL, 'super_admin', 'SGD');
  });
  afterAll(() => ctx.close());

  it('when strangers open the login page 50 times, then no session is stored and no session cookie is set', async () => {
    const before = await sessions();
    for (let i = 0; i < 50; i++) {
      const res = await request(ctx.app).get('/admin/login').expect(200);
      expect(cookieNamed(res, 'hl_sid')).toBeUndefined();
      expect(cookieNamed(res, 'hl_csrf')).toBeDefined();
      expect(csrfFrom(res.text)).not.toBe('');
    }
    expect(await sessions()).toBe(before);
  });

  it('when the login form is posted with its token and its cookie, then the user is signed in (one session stored)', async () => {
    const before = await sessions();
    const agent = request.agent(ctx.app);
    const page = await agent.get('/admin/login').expect(200);
    await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: EMAIL, password: PASSWORD })
      .expect(303);
    await agent.get('/admin').expect(200);
    expect(await sessions()).toBe(before + 1);
  });

  it("when the token comes without its cookie, with another browser's cookie or with a forged cookie, then sign-in is refused with 403", async () => {
    const page = await request(ctx.app).get('/admin/login').expect(200);
    const other = await request(ctx.app).get('/admin/login').expect(200);
    const body = { _csrf: csrfFrom(page.text), email: EMAIL, password: PASSWORD };
    await request(ctx.app).post('/admin/login').type('form').send(body).expect(403);
    await request(ctx.app).post('/admin/login').set('Cookie', cookieNamed(other, 'hl_csrf')!).type('form').send(body).expect(403);
    const forged = `hl_csrf=${body._csrf}.${crypto.createHmac('sha256', ctx.config.SESSION_SECRET).update(body._csrf).digest('base64url')}`;
    await request(ctx.app).post('/admin/login').set('Cookie', forged).type('form').send(body).expect(403);
    await request(ctx.app).post('/admin/login').set('Cookie', cookieNamed(page, 'hl_csrf')!).type('form').send(body).expect(303);
  });

  it('when a session cookie is issued, then it is signed with the session key, not with SESSION_SECRET itself', async () => {
    const page = await request(ctx.app).get('/admin/login').expect(200);
    const res = await request(ctx.app)
      .post('/admin/login')
      .set('Cookie', cookieNamed(page, 'hl_csrf')!)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: EMAIL, password: PASSWORD })
      .expect(303);
    const sid = cookieNamed(res, 'hl_sid')!;
    expect(signedBy(sid, purposeKey(ctx.config.SESSION_SECRET, 'session-cookie'))).toBe(true);
    expect(signedBy(sid, ctx.config.SESSION_SECRET)).toBe(false);
  });
});
