import request from 'supertest';
import { createModels, type Models } from '../../src/models';
import { seedTargets } from '../../src/stats/target.model';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { allAnswers, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

describe('admin management: links, posters, targets, tokens, comments and flagged review', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let models: Models;
  let dept: request.Agent;
  let manager: request.Agent;
  let viewer: request.Agent;

  beforeAll(async () => {
    ctx = await createTestContext({ FORM_MIN_FILL_SECONDS: '0' });
    fx = await seedSurveyFixtures(ctx.db);
    models = createModels(ctx.db.connection);
    await seedTargets(models.Target);
    await createUser(models, 'dept@x.vn', 'department', 'SGD');
    await createUser(models, 'manager@x.vn', 'unit_manager', 'PGD-A');
    await createUser(models, 'viewer@x.vn', 'viewer', 'PGD-A');
    dept = await signIn(ctx.app, 'dept@x.vn');
    manager = await signIn(ctx.app, 'manager@x.vn');
    viewer = await signIn(ctx.app, 'viewer@x.vn');
  });
  afterAll(() => ctx.close());

  const csrf = async (agent: request.Agent, page = '/admin/links') => csrfFrom((await agent.get(page).expect(200)).text);

  it('when a unit manager creates a link in its subtree, then it works publicly; outside it, and for a viewer, it is 403', async () => {
    const res = await manager
      .post('/admin/links')
      .type('form')
      .send({ _csrf: await csrf(manager), surveyKey: 'edu-parent-tieuhoc', unitCode: 'TH-KIMDONG' })
      .expect(303);
    const code = /created=(\w+)/.exec(res.headers.location!)![1]!;
    await request(ctx.app).get(`/s/${code}`).expect(200);
    await manager
      .post('/admin/links')
      .type('form')
      .send({ _csrf: await csrf(manager), surveyKey: 'edu-parent-thpt', unitCode: 'THPT-CHUVANAN' })
      .expect(403);
    await viewer
      .post('/admin/links')
      .type('form')
      .send({ _csrf: await csrf(viewer), surveyKey: 'edu-parent-tieuhoc', unitCode: 'TH-KIMDONG' })
      .expect(403);
    expect(await models.Audit.countDocuments({ action: 'link.create', target: code })).toBe(1);
  });

  it('when a link is closed, then its form answers 404 at once and the closing is audited', async () => {
    const code = fx.links['edu-parent-mamnon']!;
    await request(ctx.app).get(`/s/${code}`).expect(200);
    await manager
      .post(`/admin/links/${code}/close`)
      .type('form')
      .send({ _csrf: await csrf(manager) })
      .expect(303);
    await request(ctx.app).get(`/s/${code}`).expect(404);
    expect(await models.Audit.countDocuments({ action: 'link.close', target: code })).toBe(1);
  });

  it('when a poster or the batch print sheet is opened, then it shows the unit, the QR as SVG and the short URL, only in scope', async () => {
    const code = fx.links['edu-parent-thcs']!;
    const poster = await manager.get(`/admin/links/${code}/poster`).expect(200);
    expect(poster.text).toContain('Trường THCS Lê Lợi');
    expect(poster.text).toContain('<svg');
    expect(poster.text).toContain(`http://hailong.test/s/${code}`);
    await manager.get(`/admin/links/${fx.links['tthc-sipas']}/poster`).expect(404);
    const sheet = await manager.get('/admin/print?unit=PGD-A').expect(200);
    expect(sheet.text.match(/class="poster"/g)?.length).toBeGreaterThanOrEqual(2);
    expect(sheet.text).not.toContain('Bộ phận Một cửa');
    await manager.get('/admin/print?unit=SGD').expect(403);
  });

  it('when department staff change a target with its source, then the API uses both and the change is audited; others cannot', async () => {
    // Before: 2026 carries the ended 2021-2025 plan's last target, and says so; 2027 carries 2026's forward.
    const before = (await dept.get('/api/v1/stats?kind=tthc&unit=SGD&from=2026-01&to=2026-06').expect(200)).body;
    expect(before.headline).toMatchObject({
      target: 0.9,
      targetSource: expect.stringMatching(/^Mặc định: chỉ tiêu năm 2025 của Kế hoạch cải cách hành chính ngành giáo dục và đào tạo giai đoạn 2021–2025/),
    });
    const plan = (await dept.get('/api/v1/stats?kind=tthc&unit=SGD&from=2025-01&to=2025-06').expect(200)).body;
    expect(plan.headline.targetSource).toBe('Kế hoạch cải cách hành chính ngành giáo dục và đào tạo giai đoạn 2021–2025 của Sở GDĐT');
    // A target without its source is refused.
    await dept
      .post('/admin/targets')
      .type('form')
      .send({ _csrf: await csrf(dept, '/admin/settings'), kind: 'tthc', year: '2026', percent: '92.5' })
      .expect(400);
    const source = 'Quyết định số 123/QĐ-UBND ngày 15/01/2026 của UBND tỉnh';
    await dept
      .post('/admin/targets')
      .type('form')
      .send({ _csrf: await csrf(dept, '/admin/settings'), kind: 'tthc', year: '2026', percent: '92.5', source })
      .expect(303);
    const stats = (await dept.get('/api/v1/stats?kind=tthc&unit=SGD&from=2026-01&to=2026-06').expect(200)).body;
    expect(stats.headline.target).toBe(0.925);
    expect(stats.headline.targetSource).toBe(source);
    const later = (await dept.get('/api/v1/stats?kind=tthc&unit=SGD&from=2027-01&to=2027-06').expect(200)).body;
    expect(later.headline).toMatchObject({ target: 0.925, targetSource: `${source} (chỉ tiêu năm 2026, áp dụng cho năm 2027)` });
    const dashboard = (await dept.get('/admin/dashboard?kind=tthc&unit=SGD&from=2026-01&to=2026-06').expect(200)).text;
    expect(dashboard).toContain(`Nguồn chỉ tiêu: ${source}`);
    const entry = await models.Audit.findOne({ action: 'target.set' }).lean();
    expect(entry?.details).toEqual({ from: 0.9, to: 0.925, fromSource: expect.stringMatching(/^Mặc định/), source });
    await manager
      .post('/admin/targets')
      .type('form')
      .send({ _csrf: await csrf(manager, '/admin/settings'), kind: 'tthc', year: '2026', percent: '10' })
      .expect(403);
  });

  it('when an API token is created in the settings, then it is shown once, works for its subtree, and stops after revoking', async () => {
    const page = await manager
      .post('/admin/tokens')
      .type('form')
      .send({ _csrf: await csrf(manager, '/admin/settings'), name: 'Báo cáo huyện', unitCode: 'PGD-A' })
      .expect(200);
    const token = /class="token">([^<]+)</.exec(page.text)![1]!;
    const api = (path: string) => request(ctx.app).get(path).set('Authorization', `Bearer ${token}`);
    await api('/api/v1/stats?unit=PGD-A').expect(200);
    await api('/api/v1/stats?unit=SGD').expect(403);
    const settings = await manager.get('/admin/settings').expect(200);
    expect(settings.text).not.toContain(token);
    const id = /\/admin\/tokens\/([a-f0-9]{24})\/revoke/.exec(settings.text)![1]!;
    await manager
      .post(`/admin/tokens/${id}/revoke`)
      .type('form')
      .send({ _csrf: csrfFrom(settings.text) })
      .expect(303);
    await api('/api/v1/stats?unit=PGD-A').expect(401);
  });

  it('when a comment gets a status and tags, then the filters find it; a viewer cannot change it', async () => {
    const code = fx.links['edu-parent-tieuhoc']!;
    const form = await request(ctx.app).get(`/s/${code}`);
    await request(ctx.app)
      .post(`/s/${code}`)
      .type('form')
      .send({ _token: tokenFrom(form.text), ...allAnswers(fx.instrument('edu-parent-tieuhoc'), 4), comment: 'Sân trường cần thêm cây xanh' })
      .expect(303);
    const list = await manager.get('/admin/comments?unit=PGD-A').expect(200);
    expect(list.text).toContain('Sân trường cần thêm cây xanh');
    const id = /action="\/admin\/comments\/([^"]+)"/.exec(list.text)![1]!;
    await viewer
      .post(`/admin/comments/${id}`)
      .type('form')
      .send({ _csrf: await csrf(viewer, '/admin/comments'), status: 'seen', tags: 'x' })
      .expect(403);
    await manager
      .post(`/admin/comments/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(list.text), status: 'forwarded', tags: 'Cơ sở vật chất, cây xanh' })
      .expect(303);
    expect((await manager.get('/admin/comments?unit=PGD-A&status=forwarded&tag=cây xanh').expect(200)).text).toContain('Sân trường cần thêm cây xanh');
    expect((await manager.get('/admin/comments?unit=PGD-A&status=resolved').expect(200)).text).not.toContain('Sân trường cần thêm cây xanh');
  });

  it('when a flagged response is included by department staff, then the figures gain it once (even on a double click), and lose it when excluded; its own unit manager only sees it', async () => {
    const code = fx.links['edu-parent-thcs']!;
    const form = await request(ctx.app).get(`/s/${code}`);
    await request(ctx.app)
      .post(`/s/${code}`)
      .type('form')
      .send({ _token: tokenFrom(form.text), ...allAnswers(fx.instrument('edu-parent-thcs'), 5), website: 'bot' })
      .expect(303);
    const n = async () => (await manager.get('/api/v1/stats?unit=THCS-LELOI').expect(200)).body.headline.n as number;
    const before = await n();
    const seenByManager = await manager.get('/admin/review?unit=PGD-A').expect(200);
    expect(seenByManager.text).not.toMatch(/action="\/admin\/review\//);
    expect(seenByManager.text).toContain('Do cán bộ cấp Sở quyết định');
    const review = await dept.get('/admin/review?unit=PGD-A').expect(200);
    const id = /action="\/admin\/review\/([^"]+)"/.exec(review.text)![1]!;
    await manager
      .post(`/admin/review/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(seenByManager.text), decision: 'include' })
      .expect(403);
    const token = csrfFrom(review.text);
    await Promise.all([1, 2].map(() => dept.post(`/admin/review/${id}`).type('form').send({ _csrf: token, decision: 'include' })));
    expect(await n()).toBe(before + 1);
    await dept.post(`/admin/review/${id}`).type('form').send({ _csrf: token, decision: 'exclude' }).expect(303);
    expect(await n()).toBe(before);
    expect(await models.Audit.countDocuments({ action: /^review\./ })).toBe(2);
  });
});
