import request from 'supertest';
import type { Database } from '../../src/db';
import { seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { testApp } from '../helpers/test-app';
import { connectTestDatabase } from '../helpers/test-db';

/**
 * Issue 25, items 8 and 9: what a stranger can make the public form routes keep. Posts to 15 kB codes were counted
 * by the per-link limiter (its key held the raw code: 114 MB in 8 s), and the blank-page cache took `/S/…`, `%64…`
 * and a trailing `/` as pages of their own.
 */
describe('paths a stranger chooses on the public forms', () => {
  let db: Database;
  let fx: SurveyFixtures;
  let code: string;

  beforeAll(async () => {
    db = await connectTestDatabase();
    fx = await seedSurveyFixtures(db);
    code = fx.links['edu-parent-thcs']!;
  });
  afterAll(() => db.close());

  it('when a path cannot be a link code (too long, other characters), then it is a 404 that no limiter counted', async () => {
    const { app } = testApp(db);
    for (const bad of ['x'.repeat(15_000), `${code}x`, code.toUpperCase(), 'abc$def12']) {
      for (const res of [
        await request(app).post(`/s/${bad}`).type('form').send({ _token: 'x' }),
        await request(app).post(`/k/${bad}`).type('form').send({ _token: 'x' }),
        await request(app).get(`/s/${bad}`),
        await request(app).get(`/s/${bad}/thanks`),
      ]) {
        expect({ bad: bad.slice(0, 20), status: res.status }).toEqual({ bad: bad.slice(0, 20), status: 404 });
        expect(res.headers['ratelimit-policy']).toBeUndefined();
      }
    }
    // A real code is still counted.
    expect((await request(app).get(`/s/${code}`).expect(200)).headers['ratelimit-policy']).toBeDefined();
  });

  it.each([
    ['an upper-case prefix', () => `/S/${code}`],
    ['a trailing slash', () => `/s/${code}/`],
    ['a percent-encoded letter', () => `/s/%${code.charCodeAt(0).toString(16)}${code.slice(1)}`],
  ])('when the form is first asked for with %s, then the plain path is served from the same cached page', async (_name, variant) => {
    const { app } = testApp(db);
    const first = await request(app).get(variant()).expect(200);
    expect(first.text).toContain('name="_token"');
    // Express's limiter names its partition (`pk=`); the fast path, which answers only from the cache, does not.
    const plain = await request(app).get(`/s/${code}`).expect(200);
    expect(plain.headers['ratelimit-policy']).not.toContain('pk=');
  });
});
