import pino from 'pino';
import request from 'supertest';
import type { Logger } from '../../src/logger';
import { listen, inPool } from '../helpers/http-server';
import { allAnswers, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { connectTestDatabase } from '../helpers/test-db';
import { testApp } from '../helpers/test-app';
import type { Database } from '../../src/db';

/**
 * The blank form page is answered ahead of express once it is cached (src/forms/form-page-fast-path.ts).
 * Which path answered shows in one header: express-rate-limit's policy header carries a partition key (`pk=`),
 * the fast path's does not. Everything else a client sees must be the same.
 */
const servedFast = (res: { headers: Record<string, string> }) => !res.headers['ratelimit-policy']!.includes('pk=');

const appOn = (db: Database, env: Record<string, string> = {}, logger?: Logger) => testApp(db, env, { logger }).app;

describe('the form page ahead of express', () => {
  let db: Database;
  let fx: SurveyFixtures;
  let path: string;
  beforeAll(async () => {
    db = await connectTestDatabase();
    fx = await seedSurveyFixtures(db);
    path = `/s/${fx.links['edu-parent-thcs']}`;
  });
  afterAll(() => db.close());

  it('when a blank form was rendered once, then the next view is served ahead of express with the same headers and page, and its token is accepted', async () => {
    const app = appOn(db);
    const first = await request(app).get(path).expect(200);
    const second = await request(app).get(path).expect(200);
    expect(servedFast(first)).toBe(false);
    expect(servedFast(second)).toBe(true);

    const varying = new Set(['x-request-id', 'ratelimit', 'ratelimit-policy', 'date']);
    const fixed = (res: request.Response) => Object.fromEntries(Object.entries(res.headers).filter(([name]) => !varying.has(name)));
    expect(fixed(second)).toEqual(fixed(first));
    expect(second.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers['ratelimit-policy']).toBe('"1200-in-1min"; q=1200; w=60');
    expect(tokenFrom(second.text)).not.toBe(tokenFrom(first.text));
    expect(second.text.replace(tokenFrom(second.text), '')).toBe(first.text.replace(tokenFrom(first.text), ''));

    const instrument = fx.instrument('edu-parent-thcs');
    const posted = await request(app)
      .post(path)
      .type('form')
      .send({ _token: tokenFrom(second.text), ...allAnswers(instrument, 4) });
    expect(posted.status).toBe(303);
    expect(await fx.models.Response.countDocuments({ linkCode: fx.links['edu-parent-thcs'] })).toBe(1);
  });

  it('when views come through both paths, then they share one view limit and one view count', async () => {
    const { app, instance } = testApp(db);
    const viewsBefore = await viewsOf(fx, 'edu-parent-thcs');
    const remaining: number[] = [];
    for (const url of [path, path, `${path}?lang=vi`, path]) {
      const res = await request(app).get(url).expect(200);
      remaining.push(Number(/r=(\d+)/.exec(res.headers.ratelimit!)![1]));
    }
    expect(remaining).toEqual([1199, 1198, 1197, 1196]);
    await instance.views.flush();
    expect((await viewsOf(fx, 'edu-parent-thcs')) - viewsBefore).toBe(4);
  });

  it('when one address goes over the limit through either path, then both paths refuse it with 429 and another address still gets the form', async () => {
    const app = appOn(db, { TRUST_PROXY: '1' });
    const server = await listen(app);
    try {
      const get = (url: string, address: string) => fetch(`${server.baseUrl}${url}`, { headers: { 'x-forwarded-for': address } });
      // Half of the 1,200 through the fast path, half through express (a query string goes to express).
      const statuses = await inPool(1200, 8, async (i) => (await get(i % 2 ? path : `${path}?lang=vi`, '203.0.113.7')).status);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect((await get(path, '203.0.113.7')).status).toBe(429);
      expect((await get(`${path}?lang=vi`, '203.0.113.7')).status).toBe(429);
      const other = await get(path, '203.0.113.8');
      expect(other.status).toBe(200);
      expect(await other.text()).toContain('name="_token"');
    } finally {
      await server.close();
    }
  });

  it('when the language cookie says English, then the fast path serves the English page; a forged X-Forwarded-For is not believed without a trusted proxy', async () => {
    const app = appOn(db);
    await request(app).get(`${path}?lang=en`).expect(200);
    const english = await request(app).get(path).set('Cookie', 'lang=en').set('X-Forwarded-For', '198.51.100.1').expect(200);
    expect(servedFast(english)).toBe(true);
    expect(english.text).toContain('lang="en"');
    const again = await request(app).get(path).set('X-Forwarded-For', '198.51.100.2').expect(200);
    // Both counted under the test client's own address: 2 views before (the ?lang=en page and the first) leave 1197.
    expect(Number(/r=(\d+)/.exec(again.headers.ratelimit!)![1])).toBe(1197);
    expect(again.text).toContain('lang="vi"');
  });

  it('when the link is unknown, malformed or asked for otherwise, then express answers as before', async () => {
    const app = appOn(db);
    await request(app).get(path).expect(200);
    await request(app).get('/s/2222222222').expect(404);
    await request(app).get('/s/not-a-code').expect(404);
    const head = await request(app).head(path).expect(200);
    expect(servedFast(head)).toBe(false);
    const kiosk = `/k/${fx.links['tthc-quick']}`;
    // A form link asked for on the kiosk channel is not the kiosk's.
    await request(app).get(`/k/${fx.links['edu-parent-thcs']}`).expect(404);
    await request(app).get(kiosk).expect(200);
    expect(servedFast(await request(app).get(kiosk).expect(200))).toBe(true);
  });

  it('when the fast path serves a page, then the request is logged with its id like any other', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info', base: undefined }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = appOn(db, {}, logger);
    await request(app).get(path).expect(200);
    const res = await request(app).get(path).set('X-Request-Id', 'incoming-id-456').expect(200);
    expect(servedFast(res)).toBe(true);
    expect(res.headers['x-request-id']).toBe('incoming-id-456');
    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'incoming-id-456');
    expect(line).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', url: path }, res: { statusCode: 200 } });
  });
});

async function viewsOf(fx: SurveyFixtures, key: string): Promise<number> {
  const docs = await fx.models.LinkView.find({ linkCode: fx.links[key] }).lean<Array<{ views: number }>>();
  return docs.reduce((sum, d) => sum + d.views, 0);
}
