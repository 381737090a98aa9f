import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/test-app';

describe('http basics', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('when the landing page is requested, then it is Vietnamese HTML with a strict CSP', async () => {
    const res = await request(ctx.app).get('/').expect(200);
    expect(res.text).toContain('<html lang="vi">');
    expect(res.text).toContain('Hài Lòng');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
  });

  it('when ?lang=en is given, then the page is English and the choice is remembered in a cookie', async () => {
    const agent = request.agent(ctx.app);
    const first = await agent.get('/?lang=en').expect(200);
    expect(first.text).toContain('<html lang="en">');
    const second = await agent.get('/').expect(200);
    expect(second.text).toContain('<html lang="en">');
  });

  it('when a page does not exist, then a Vietnamese 404 page answers without internals', async () => {
    const res = await request(ctx.app).get('/khong-co').expect(404);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('Không tìm thấy trang này');
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('when an unknown API route is requested, then the answer is JSON (401 before sign-in inside /api/v1, 404 outside)', async () => {
    expect((await request(ctx.app).get('/api/v1/nothing').expect(401)).body.error.code).toBe('unauthorized');
    const res = await request(ctx.app).get('/api/nothing').expect(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
  });

  it('when a static asset is requested, then it is served from our origin', async () => {
    await request(ctx.app).get('/static/css/app.css').expect(200).expect('content-type', /css/);
  });
});
