import ExcelJS from 'exceljs';
import request from 'supertest';
import { importDossiers } from '../../src/dossiers/dossier-import';
import { DECISION_766 } from '../../src/dossiers/service-index';
import { createModels, type Models } from '../../src/models';
import { normalizeDossierCode, saltedHash } from '../../src/responses/hashing';
import { saltProvider } from '../../src/settings.salt';
import { PLAN_2021_2025_CARRIED, seedTargets } from '../../src/stats/target.model';
import { createApiToken, createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { DOSSIER_FILE, DOSSIER_HEADER, DOSSIER_NOW as NOW } from '../helpers/dossier-fixtures';
import { FIXTURE_UNITS } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/** The Wilson 95% interval written out again here, so the API is checked against a second computation. */
function wilson(k: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [expect.closeTo(centre - half, 10) as number, expect.closeTo(centre + half, 10) as number];
}

/**
 * The one-stop shares and the service index (issue #28), worked by hand. The desk MOTCUA, March–April 2026:
 * - file A is helpers/dossier-fixtures.ts's, without the new columns: nothing is known of fees, digitising or
 *   complaints, so those shares have no base; 5 dossiers received in the range, 2 online (HS-2, HS-3).
 * - file B gives the columns for the desk's dossiers: HS-1 fee paid at the desk, digitised; HS-2 and HS-3 paid
 *   online, HS-2 digitised, HS-3 not and complained about; HS-5 no fee (empty); HS-6 a fee paid at the desk;
 *   HS-7 (returned 2 March) digitised.
 * - file C (XLSX) adds HS-8 with the columns present and empty: received online 1 April, returned 2 April on time,
 *   no fee, not digitised, no complaint.
 * Received in the range: HS-1, 2, 3, 5, 6, 8 = 6, online 3 (50%). With a fee: HS-1, 2, 3, 6 = 4, paid online 2
 * (50%). Returned in the range with the column: HS-1, 2, 3, 7, 8 = 5, digitised 3 (60%), complaints 1 (20%).
 * On time: March 4 dossiers, 2 on time; April HS-5 (open, late) and HS-8 (on time): 6 and 3 (50%).
 * Service index: progress 0.5 × 20 = 10; online 0.5 ≥ 50%: 12; payment 0.5 ÷ 0.8 × 10 = 6.25; satisfaction
 * (0.5 − 0.2) ÷ 0.9 × 18 = 6; digitisation 0.6 ÷ 0.8 × 22 = 16.5; in all 50.75 of 82.
 */
const COLUMNS = `${DOSSIER_HEADER},paid_online,digitised,complaint`;
const FILE_B = [
  COLUMNS,
  'HS-1,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-05,direct,false,false,true,false',
  'HS-2,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-06T23:00,online,false,true,true,false',
  'HS-3,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-09,online,true,true,false,true',
  'HS-5,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-30,2026-04-05,,direct,false,,,',
  'HS-6,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-04-08,2026-04-20,,direct,false,false,,',
  'HS-7,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-02-20,2026-02-27,2026-03-02,direct,true,,true,',
].join('\n');

async function fileC(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Hồ sơ');
  sheet.addRow(COLUMNS.split(','));
  sheet.addRow(['HS-8', 'TTHC-VB', 'Cấp bản sao văn bằng', 'MOTCUA', '2026-04-01', '2026-04-15', '2026-04-02', 'online', false, null, null, null]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('the one-stop shares and the service index', () => {
  let ctx: TestContext;
  let models: Models;
  let token: string;
  let salt: string;
  const get = async () =>
    (
      await request(ctx.app)
        .get('/api/v1/dossier-stats?unit=MOTCUA&from=2026-03&to=2026-04')
        .set('Authorization', `Bearer ${token}`)
        .expect((r) => {
          // The body first: a refusal says why.
          expect([r.status, r.body.code]).toEqual([200, undefined]);
        })
    ).body as Record<string, Record<string, unknown>>;
  const importFile = async (bytes: Buffer) => {
    const result = await importDossiers(models, ctx.instance.projector, salt, bytes, NOW);
    expect(result.errors).toEqual([]);
    return result;
  };

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => NOW });
    models = createModels(ctx.db.connection);
    await models.Unit.insertMany(FIXTURE_UNITS);
    await seedTargets(models.Target);
    salt = await saltProvider(models.Setting)();
    token = await createApiToken(models, 'SGD');
    await createUser(models, 'so@example.vn', 'department', 'SGD');
    await createUser(models, 'school@example.vn', 'unit_manager', 'THCS-LELOI');
  });
  afterAll(() => ctx.close());

  it('when the file has none of the new columns, then it imports; the online share counts, the others have no base', async () => {
    await importFile(Buffer.from(DOSSIER_FILE));
    const body = await get();
    expect(body.online).toMatchObject({ received: 5, online: 2, share: 0.4, ci95: wilson(2, 5), target: 0.5, status: 'insufficient' });
    expect(body.paidOnline).toMatchObject({ withFee: 0, paidOnline: 0, share: null, ci95: null, target: 0.3 });
    expect(body.digitised).toMatchObject({ returned: 0, digitised: 0, share: null, ci95: null, target: 0.9 });
    expect(body.complaints).toMatchObject({ n: 0, share: null });
    const groups = (body.serviceIndex as { groups: Array<{ id: string; rate: number | null; points: number | null }> }).groups;
    expect(groups.map((g) => [g.id, g.rate, g.points])).toEqual([
      ['progress', 0.4, 8],
      ['online', 0.4, expect.closeTo(9.6, 10)],
      ['payment', null, null],
      ['satisfaction', null, null],
      ['digitisation', null, null],
    ]);
  });

  it('when a later file has the columns, some cells empty, and an XLSX has them all empty, then every share is the hand-worked one', async () => {
    expect(await importFile(Buffer.from(FILE_B))).toMatchObject({ rows: 6, inserted: 0 });
    expect(await importFile(await fileC())).toMatchObject({ rows: 1, inserted: 1 });
    const stored = (await models.Dossier.findById(saltedHash(salt, normalizeDossierCode('HS-5'))).lean())!;
    expect([stored.paidOnline, stored.digitised, stored.complaint]).toEqual([null, false, false]);

    const body = await get();
    expect(body.headline).toMatchObject({ n: 6, onTime: 3, share: 0.5 });
    expect(body.online).toEqual({
      received: 6,
      online: 3,
      share: 0.5,
      ci95: wilson(3, 6),
      target: 0.5,
      targetSource: PLAN_2021_2025_CARRIED,
      status: 'insufficient',
      byMonth: [
        { period: '2026-03', n: 4, share: 0.5 },
        { period: '2026-04', n: 2, share: 0.5 },
      ],
    });
    expect(body.paidOnline).toEqual({
      withFee: 4,
      paidOnline: 2,
      share: 0.5,
      ci95: wilson(2, 4),
      target: 0.3,
      targetSource: PLAN_2021_2025_CARRIED,
      status: 'insufficient',
    });
    expect(body.digitised).toEqual({
      returned: 5,
      digitised: 3,
      share: 0.6,
      ci95: wilson(3, 5),
      target: 0.9,
      targetSource: PLAN_2021_2025_CARRIED,
      status: 'insufficient',
    });
    expect(body.complaints).toEqual({ n: 5, complaints: 1, share: 0.2, ci95: wilson(1, 5) });
    expect(body.serviceIndex).toEqual({
      groups: [
        { id: 'progress', rate: 0.5, threshold: 1, points: 10, max: 20, formula: 'min(on-time share ÷ 100%, 1) × 20', source: DECISION_766 },
        { id: 'online', rate: 0.5, threshold: 0.5, points: 12, max: 12, formula: 'min(online dossiers share ÷ 50%, 1) × 12', source: DECISION_766 },
        { id: 'payment', rate: 0.5, threshold: 0.8, points: 6.25, max: 10, formula: 'min(paid-online share ÷ 80%, 1) × 10', source: DECISION_766 },
        {
          id: 'satisfaction',
          rate: expect.closeTo(0.3, 10),
          threshold: 0.9,
          points: expect.closeTo(6, 10),
          max: 18,
          formula: 'min((100% − (overdue share + complaint share)) ÷ 90%, 1) × 18',
          source: DECISION_766,
        },
        {
          id: 'digitisation',
          rate: 0.6,
          threshold: 0.8,
          points: expect.closeTo(16.5, 10),
          max: 22,
          formula: 'min(digitised share ÷ 80%, 1) × 22',
          source: DECISION_766,
        },
      ],
      points: expect.closeTo(50.75, 10),
      max: 82,
      uncomputed: [{ id: 'transparency', max: 18 }],
    });
  });

  it('when the first file, without the columns, is imported again, then what the later files said stays', async () => {
    expect(await importFile(Buffer.from(DOSSIER_FILE))).toMatchObject({ rows: 7, inserted: 0 });
    const body = await get();
    expect(body.paidOnline).toMatchObject({ withFee: 4, paidOnline: 2 });
    expect(body.digitised).toMatchObject({ returned: 5, digitised: 3 });
    expect(body.complaints).toMatchObject({ n: 5, complaints: 1 });
  });

  it('when a cell of a new column is not true, false or empty, then the file is refused with the row and the column, and nothing changes', async () => {
    const bad = [COLUMNS, 'HS-1,TTHC-VB,Cấp bản sao văn bằng,MOTCUA,2026-03-02,2026-03-06,2026-03-05,direct,false,yes,true,false'].join('\n');
    const result = await importDossiers(models, ctx.instance.projector, salt, Buffer.from(bad), NOW);
    expect(result.rows).toBe(0);
    expect(result.errors).toEqual([{ row: 2, field: 'paid_online', message: expect.stringContaining('true, false') }]);
    expect((await get()).paidOnline).toMatchObject({ withFee: 4, paidOnline: 2 });
  });

  it('when department staff change a group of the index, then the score follows and it is audited; a school account is refused', async () => {
    const change = async (email: string, body: Record<string, string>) => {
      const agent = await signIn(ctx.app, email);
      const csrf = csrfFrom((await agent.get('/admin/settings').expect(200)).text);
      return agent
        .post('/admin/service-index')
        .type('form')
        .send({ _csrf: csrf, ...body });
    };
    const body = { id: 'payment', points: '10', thresholdPercent: '50', source: 'Quyết định thử nghiệm' };
    expect((await change('school@example.vn', body)).status).toBe(403);
    expect((await change('so@example.vn', { ...body, thresholdPercent: '0' })).status).toBe(400);
    expect((await change('so@example.vn', body)).status).toBe(303);
    const index = (await get()).serviceIndex as { groups: Array<{ id: string; points: number; threshold: number; source: string }>; points: number };
    expect(index.groups.find((g) => g.id === 'payment')).toMatchObject({ threshold: 0.5, points: 10, source: 'Quyết định thử nghiệm' });
    expect(index.points).toBeCloseTo(54.5, 10);
    expect(await models.Audit.countDocuments({ action: 'serviceIndex.set', target: 'payment' })).toBe(1);
  });

  it('when the dossiers page and the overview are opened, then they show the shares, the index and the online tile', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const page = (await agent.get('/admin/dossiers?unit=MOTCUA&from=2026-03&to=2026-04').expect(200)).text;
    expect(page).toContain('data-measure="online" data-part="3" data-base="6" data-share="0.5"');
    expect(page).toContain('data-measure="digitised" data-part="3" data-base="5" data-share="0.6"');
    expect(page).toContain('Quyết định 766/QĐ-TTg');
    // 0.6 ÷ 0.8 × 22, shown with two decimals.
    expect(page).toMatch(
      /data-group="digitisation" data-points="16\.(5|49999)[^"]*"><th scope="row">Số hóa hồ sơ, kết quả<\/th><td class="num">60,0%<\/td><td class="num">80,0%<\/td><td class="num">16,50 \/ 22,00/,
    );
    const overview = (await agent.get('/admin').expect(200)).text;
    expect(overview).toContain('id="tile-online"');
    expect(overview).toContain('Hồ sơ TTHC tiếp nhận trực tuyến');
  });
});
