import ExcelJS from 'exceljs';
import request from 'supertest';
import { createModels, type Models } from '../../src/models';
import { seedTargets } from '../../src/stats/target.model';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { DOSSIER_FILE, DOSSIER_HEADER, DOSSIER_NOW } from '../helpers/dossier-fixtures';
import { FIXTURE_UNITS } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/** Posts `bytes` as the upload form does (the CSRF token in the action's query) and follows the redirect. */
async function upload(agent: request.Agent, bytes: Buffer, fileName: string) {
  const page = await agent.get('/admin/dossiers').expect(200);
  const posted = await agent.post(`/admin/dossiers/import?_csrf=${encodeURIComponent(csrfFrom(page.text))}`).attach('file', bytes, fileName);
  expect(posted.status).toBe(303);
  expect(posted.headers.location).toMatch(/^\/admin\/dossiers\?import=[\w-]+$/);
  return (await agent.get(posted.headers.location!).expect(200)).text;
}

async function xlsxOf(csv: string): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Hồ sơ');
  for (const line of csv.split('\n')) sheet.addRow(line.split(','));
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe('/admin/dossiers: upload, figures by procedure and channel, late dossiers', () => {
  let ctx: TestContext;
  let models: Models;
  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => DOSSIER_NOW });
    models = createModels(ctx.db.connection);
    await models.Unit.insertMany(FIXTURE_UNITS);
    await seedTargets(models.Target);
    await createUser(models, 'so@example.vn', 'department', 'SGD');
    await createUser(models, 'motcua@example.vn', 'unit_manager', 'MOTCUA');
  });
  afterAll(() => ctx.close());

  it('when department staff upload the export as XLSX and then as CSV, then it is imported once and the second time changes nothing', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const first = await upload(agent, await xlsxOf(DOSSIER_FILE), 'ho-so-thang-4.xlsx');
    expect(first).toContain('Đã nhập tệp “ho-so-thang-4.xlsx”: 7 dòng (7 mới, 0 cập nhật, 0 không đổi).');
    const second = await upload(agent, Buffer.from(`\uFEFF${DOSSIER_FILE}`), 'ho-so-thang-4.csv');
    expect(second).toContain('7 dòng (0 mới, 0 cập nhật, 7 không đổi)');
    expect(await models.Dossier.countDocuments()).toBe(7);
    const api = (await agent.get('/api/v1/dossier-stats?unit=MOTCUA&from=2026-02&to=2026-04').expect(200)).body;
    expect(api.headline).toMatchObject({ n: 5, onTime: 2 });
    expect(await models.Audit.countDocuments({ action: 'dossiers.import' })).toBe(2);
  });

  it('when a file has bad rows, then nothing is imported and the page lists each bad row', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const before = await models.Dossier.find().lean();
    const bad = [
      DOSSIER_HEADER,
      'HS-8,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-04-01,2026-04-09,,direct,false',
      'HS-9,TTHC-VB,Cấp bản sao,NO-SUCH-UNIT,2026-04-01,2026-04-09,,direct,false',
      'HS-10,TTHC-VB,Cấp bản sao,MOTCUA,2026-04-09,2026-04-01,,direct,false',
    ].join('\n');
    const page = await upload(agent, Buffer.from(bad), 'loi.csv');
    expect(page).toContain('Không nhập hồ sơ nào từ tệp “loi.csv” vì có lỗi:');
    expect(page).toMatch(/Dòng 3 \(unit_code\)/);
    expect(page).toMatch(/Dòng 4 \(due_at\)/);
    expect(await models.Dossier.find().lean()).toEqual(before);
  });

  it('when the desk opens the page, then the late dossiers are listed, the open one first, with their apology letters', async () => {
    const agent = await signIn(ctx.app, 'motcua@example.vn');
    const page = (await agent.get('/admin/dossiers?from=2026-02&to=2026-04').expect(200)).text;
    const rows = [...page.matchAll(/<tr data-unit="(\w+)" data-apology="(\w+)">(.*?)<\/tr>/g)].map((m) => [
      m[1],
      m[2],
      [...m[3]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]),
    ]);
    // #5 open since its due day 5 April (ends 16:59:59 UTC) until 10 April 03:00 UTC: 4.4 days, shown as 5;
    // then the returned ones, latest due first: #3 (due 6 March, returned 9 March), #7 (due 27 Feb, returned 2 March).
    expect(rows).toEqual([
      ['MOTCUA', 'false', ['Bộ phận Một cửa Sở GDĐT', 'Cấp bản sao văn bằng', '30/03/2026', '05/04/2026', 'Chưa trả', '5', 'Chưa có']],
      ['MOTCUA', 'true', ['Bộ phận Một cửa Sở GDĐT', 'Cấp bản sao văn bằng', '02/03/2026', '06/03/2026', '09/03/2026', '3', 'Có']],
      ['MOTCUA', 'true', ['Bộ phận Một cửa Sở GDĐT', 'Cấp bản sao văn bằng', '20/02/2026', '27/02/2026', '02/03/2026', '3', 'Có']],
    ]);
    expect(page).toMatch(/data-n="5" data-on-time="2"/);
    expect(page).toContain('id="by-channel"');
    // A unit's staff see their figures, not the upload.
    expect(page).not.toContain('id="dossier-upload"');
    const token = csrfFrom(page);
    await agent
      .post(`/admin/dossiers/import?_csrf=${encodeURIComponent(token)}`)
      .attach('file', Buffer.from(DOSSIER_FILE), 'x.csv')
      .expect(403);
    await agent.get('/admin/dossiers?unit=SGD').expect(403);
  });

  it('when an upload has no CSRF token, is not multipart or has no file, then it is refused with a clear status and nothing changes', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const token = csrfFrom((await agent.get('/admin/dossiers').expect(200)).text);
    await agent.post('/admin/dossiers/import').attach('file', Buffer.from(DOSSIER_FILE), 'x.csv').expect(403);
    await agent.post('/admin/dossiers/import').type('form').send({ _csrf: token }).expect(415);
    await agent
      .post(`/admin/dossiers/import?_csrf=${encodeURIComponent(token)}`)
      .field('note', 'no file')
      .expect(400);
    await agent
      .post(`/admin/dossiers/import?_csrf=${encodeURIComponent(token)}`)
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send('--xyz\r\nbroken')
      .expect(400);
    expect(await models.Dossier.countDocuments()).toBe(7);
  });

  it('when the page names a progress id, then the server records each step of the import under it, in order, and anyone else gets 403 or 404', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const rows = Array.from({ length: 1500 }, (_, i) => `BIG-${i},TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-05,direct,false`);
    const id = 'a1'.repeat(16);
    const token = csrfFrom((await agent.get('/admin/dossiers').expect(200)).text);
    const seen: string[] = [];
    let finished = false;
    const posting = agent
      .post(`/admin/dossiers/import?_csrf=${encodeURIComponent(token)}&progress=${id}`)
      .attach('file', Buffer.from([DOSSIER_HEADER, ...rows].join('\n')), 'lon.csv')
      .then((res) => {
        finished = true;
        return res;
      });
    while (!finished) {
      const res = await agent.get(`/admin/dossiers/imports/${id}/progress`);
      if (res.status === 200 && seen.at(-1) !== res.body.phase) seen.push(res.body.phase);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const posted = await posting;
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/admin/dossiers?import=${id}`);
    expect((await agent.get(`/admin/dossiers/imports/${id}/progress`).expect(200)).body).toEqual({ phase: 'done', written: 1500, total: 1500 });
    // Whatever the polls caught came in the import's order, and at least one step before the end.
    const order = ['checking', 'writing', 'recounting', 'done'];
    expect(seen.map((phase) => order.indexOf(phase))).toEqual([...seen.map((phase) => order.indexOf(phase))].sort((a, b) => a - b));
    expect(seen.some((phase) => phase !== 'done')).toBe(true);

    // The same id again is not taken over: the second import gets its own.
    const again = await agent
      .post(`/admin/dossiers/import?_csrf=${encodeURIComponent(token)}&progress=${id}`)
      .attach('file', Buffer.from(DOSSIER_FILE), 'x.csv')
      .expect(303);
    expect(again.headers.location).not.toBe(`/admin/dossiers?import=${id}`);
    await agent.get(`/admin/dossiers/imports/${'b2'.repeat(16)}/progress`).expect(404);
    await agent.get('/admin/dossiers/imports/not-an-id/progress').expect(404);
    const desk = await signIn(ctx.app, 'motcua@example.vn');
    await desk.get(`/admin/dossiers/imports/${id}/progress`).expect(403);
  });
});
