import request from 'supertest';
import { openRange } from '../../src/public/open-data';
import { FRESH_MS } from '../../src/public/public-figures';
import { seedTargets } from '../../src/stats/target.model';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { allAnswers, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Issue #27, first slice: the public results under `/cong-khai`. Nothing is public until department staff publish
 * a unit; then its figures, and its children's, are shown and given as open data, with no cookie, cacheable for
 * five minutes, under the same disclosure rule as the dashboard (no share below k).
 */
const now = new Date('2026-11-10T03:00:00Z');

interface OpenRow {
  unit: { code: string; name: string };
  kind: string;
  period: string;
  n: number;
  share: number | null;
  ci95: [number, number] | null;
  target: number | null;
  status: string;
}

describe('the public results', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let clock = now;
  const answer = async (key: string, score: number) => {
    expect((await fillAndSubmit(request.agent(ctx.app), `/s/${fx.links[key]}`, allAnswers(fx.instrument(key), score))).res.status).toBe(303);
  };
  const openData = async () =>
    (await request(ctx.app).get('/cong-khai/du-lieu.json').expect(200)).body as { computedAt: string; from: string; to: string; figures: OpenRow[] };
  const later = (minutes: number) => {
    clock = new Date(clock.getTime() + minutes * 60_000);
  };
  const publish = async (action: 'publish' | 'withdraw', unitCode: string, email = 'so@example.vn') => {
    const agent = await signIn(ctx.app, email);
    const csrf = csrfFrom((await agent.get('/admin/settings').expect(200)).text);
    return agent.post(`/admin/public/${action}`).type('form').send({ _csrf: csrf, unitCode });
  };

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => clock });
    fx = await seedSurveyFixtures(ctx.db, now);
    await seedTargets(fx.models.Target);
    await createUser(fx.models, 'so@example.vn', 'department', 'SGD');
    await createUser(fx.models, 'school@example.vn', 'unit_manager', 'THCS-LELOI');
    // Lê Lợi: 6 answers (published with a share); Chu Văn An: 3 (n only).
    for (const score of [5, 5, 4, 5, 2, 5]) await answer('edu-parent-thcs', score);
    for (const score of [5, 4, 5]) await answer('edu-parent-thpt', score);
  });
  afterAll(() => ctx.close());

  it('when nothing is published, then the page says so, the open data is empty and a unit is 404; no cookie is set', async () => {
    const page = await request(ctx.app).get('/cong-khai').expect(200);
    expect(page.text).toContain('Chưa có đơn vị nào được công khai kết quả.');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await openData()).figures).toEqual([]);
    await request(ctx.app).get('/cong-khai/SGD').expect(404);
    await request(ctx.app).get('/cong-khai/NO-SUCH').expect(404);
  });

  it('when a school account tries to publish, then it is refused; department staff publish, and it is audited', async () => {
    expect((await publish('publish', 'SGD', 'school@example.vn')).status).toBe(403);
    expect((await publish('publish', 'NO-SUCH')).status).toBe(404);
    expect((await publish('publish', 'SGD')).status).toBe(303);
    expect(await fx.models.Audit.countDocuments({ action: 'public.publish', target: 'SGD' })).toBe(1);
    // Each instance reads the list of published units again every ten seconds.
    later(10 / 60);
  });

  it('when the province is published, then the open data gives each kind over 12 months and by quarter, shares only from k answers', async () => {
    const data = await openData();
    const range = openRange(clock);
    expect([data.from, data.to]).toEqual([range.from, range.to]);
    expect(range.periods.map((p) => p.label)).toEqual(['12m', '2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    const province = data.figures.filter((f) => f.unit.code === 'SGD');
    expect(province.map((f) => `${f.kind}:${f.period}`).sort()).toEqual(
      ['education', 'tthc', 'dossiers'].flatMap((kind) => range.periods.map((p) => `${kind}:${p.label}`)).sort(),
    );
    const education = province.find((f) => f.kind === 'education' && f.period === '12m')!;
    expect(education).toMatchObject({ n: 9, unit: { code: 'SGD', name: 'Sở Giáo dục và Đào tạo tỉnh Mẫu' }, target: expect.any(Number) });
    expect(education.share).toBeCloseTo(8 / 9);
    expect(education.ci95).toHaveLength(2);
    // The children of the province are listed; Chu Văn An's 3 answers show n alone, as on the dashboard.
    const chuVanAn = data.figures.find((f) => f.unit.code === 'THPT-CHUVANAN' && f.kind === 'education' && f.period === '12m')!;
    expect(chuVanAn).toMatchObject({ n: 3, share: null, ci95: null, status: 'insufficient' });
    // Nothing below k anywhere, and never a field that is not a figure.
    for (const f of data.figures) {
      if (f.n > 0 && f.n < 5) expect([f.share, f.ci95]).toEqual([null, null]);
      expect(Object.keys(f).sort()).toEqual(['ci95', 'from', 'kind', 'n', 'period', 'share', 'status', 'target', 'to', 'unit']);
    }
    // Twelve months minus the quarters: the quarters add up to the twelve months, and where the twelve months show a
    // share every quarter with answers does too (a range is published only when every month of it is), so no
    // subtraction of published figures gives a hidden one.
    for (const twelve of data.figures.filter((f) => f.period === '12m')) {
      const quarters = data.figures.filter((f) => f.unit.code === twelve.unit.code && f.kind === twelve.kind && f.period !== '12m');
      // Quarters are given for the published roots; their children come over 12 months only.
      if (twelve.unit.code !== 'SGD') {
        expect(quarters).toEqual([]);
        continue;
      }
      expect(quarters.reduce((n, f) => n + f.n, 0)).toBe(twelve.n);
      if (twelve.share !== null)
        for (const quarter of quarters.filter((f) => f.n > 0)) expect([quarter.period, quarter.share]).not.toEqual([quarter.period, null]);
    }
    // The same figure as the signed-in API's.
    const agent = await signIn(ctx.app, 'so@example.vn');
    const api = (await agent.get(`/api/v1/stats?kind=education&unit=SGD&from=${range.from}&to=${range.to}`).expect(200)).body;
    expect([education.n, education.share]).toEqual([api.headline.n, api.headline.share]);
  });

  it('when the pages are asked for, then they show the figures with no cookie, cacheable for five minutes, and a repeat gets 304', async () => {
    const page = await request(ctx.app).get('/cong-khai').expect(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('public, max-age=300');
    expect(page.text).toContain('Hài lòng với dịch vụ giáo dục công');
    expect(page.text).toContain('88,9');
    expect(page.text).toContain('href="/cong-khai/PGD-A"');
    const etag = page.headers.etag as string;
    expect(etag).toBeTruthy();
    await request(ctx.app).get('/cong-khai').set('If-None-Match', etag).expect(304);
    const school = await request(ctx.app).get('/cong-khai/THCS-LELOI').expect(200);
    expect(school.text).toContain('Trường THCS Lê Lợi');
    const csv = await request(ctx.app).get('/cong-khai/du-lieu.csv').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toMatch(/^# CC BY 4\.0/);
    expect(lines[1]).toBe('unit_code,unit_name,kind,period,from,to,n,share,ci95_low,ci95_high,target,status');
    expect(lines.filter((line) => line.startsWith('SGD,')).length).toBe(18);
  });

  it("when a published unit's badge is asked for, then it is an SVG with its figure; an unpublished unit has none", async () => {
    // supertest leaves an image's body unread: read as text here.
    const svgOf = (path: string) =>
      request(ctx.app)
        .get(path)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            done(null, text);
          });
        })
        .expect(200);
    const badge = await svgOf('/cong-khai/SGD/badge.svg');
    expect(badge.headers['content-type']).toContain('image/svg+xml');
    expect(badge.headers['set-cookie']).toBeUndefined();
    expect(badge.body).toContain('88,9');
    expect(badge.body).toContain('n = 9 · 12 tháng');
    // Chu Văn An's 3 answers: its count alone.
    expect((await svgOf('/cong-khai/THPT-CHUVANAN/badge.svg')).body).toContain('>n = 3 · 12 tháng<');
    await request(ctx.app).get('/cong-khai/NO-SUCH/badge.svg').expect(404);
    // The page draws each kind's trend as SVG, with its band.
    const page = (await request(ctx.app).get('/cong-khai').expect(200)).text;
    expect(page.match(/<svg class="trend"/g)).toHaveLength(3);
  });

  it('when answers arrive, then the public figures follow within five minutes, not at once', async () => {
    for (const score of [5, 5]) await answer('edu-parent-thpt', score);
    const n = async () => (await openData()).figures.find((f) => f.unit.code === 'SGD' && f.kind === 'education' && f.period === '12m')!.n;
    expect(await n()).toBe(9);
    later(5);
    expect(await n()).toBe(11);
  });

  it('when figures are past four minutes old, then they are still served while counted again in the background, and the recount follows', async () => {
    const before = Date.parse((await openData()).computedAt);
    await answer('edu-parent-thpt', 5);
    const n = async () => (await openData()).figures.find((f) => f.unit.code === 'SGD' && f.kind === 'education' && f.period === '12m')!.n;
    later(4.5);
    // The request that finds them this old gets them at once, and starts the recount…
    expect(await n()).toBe(11);
    // …which is served once it is there (a page is made again every ten seconds), before they are five minutes old.
    let seen = 11;
    for (let step = 0; step < 20 && seen !== 12; step++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      later(1 / 60);
      seen = await n();
    }
    expect(seen).toBe(12);
    expect(clock.getTime() - before).toBeLessThan(FRESH_MS);
    expect(Date.parse((await openData()).computedAt)).toBeGreaterThan(before);
  });

  it('when the province is withdrawn, then it is gone within ten seconds on every instance, and audited', async () => {
    expect((await publish('withdraw', 'SGD')).status).toBe(303);
    later(10 / 60);
    expect((await openData()).figures).toEqual([]);
    await request(ctx.app).get('/cong-khai/THCS-LELOI').expect(404);
    await request(ctx.app).get('/cong-khai/SGD/badge.svg').expect(404);
    expect(await fx.models.Audit.countDocuments({ action: 'public.withdraw', target: 'SGD' })).toBe(1);
  });
});
