import { importDossiers } from '../../src/dossiers/dossier-import';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { saltProvider } from '../../src/settings.salt';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank } from '../../src/surveys/survey-catalog';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createUser, signIn } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

const NOW = new Date('2026-10-20T03:00:00Z');
const U: Record<string, Unit> = {
  SGD: { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  'PGD-A': { code: 'PGD-A', name: 'Phòng GDĐT An Phú', type: 'district_office', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  'TH-A': { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  'TH-B': { code: 'TH-B', name: 'Tiểu học B', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  'THPT-E': { code: 'THPT-E', name: 'THPT E', type: 'school', level: 'thpt', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
  MOTCUA: { code: 'MOTCUA', name: 'Bộ phận Một cửa', type: 'desk', parentCode: 'SGD', ancestors: ['SGD'] },
};
const repeat = (score: number, count: number) => Array<number>(count).fill(score);

/** `count` dossiers of `unit` returned in October 2026, the first `late` of them two days after their due day. */
function dossierRows(unit: string, count: number, late: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${unit}-${i},TTHC-VB,Cấp bản sao văn bằng,${unit},2026-10-01,2026-10-08,${i < late ? '2026-10-10' : '2026-10-07'},direct,${i < late}`,
  );
}

/** The data-* attributes of the overview tile `id` (its numbers as the page carries them). */
function tileOf(html: string, id: string): Record<string, string> {
  const tag = new RegExp(`<section class="tile[^"]*" id="tile-${id}"[^>]*>`).exec(html)?.[0];
  if (!tag) throw new Error(`no tile ${id}`);
  return Object.fromEntries([...tag.matchAll(/data-(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** The unit codes of tile `id`'s unit table, in page order. */
function unitOrder(html: string, id: string): string[] {
  const start = html.indexOf(`id="units-${id}"`);
  const section = html.slice(start, html.indexOf('</section>', start));
  return [...section.matchAll(/data-unit="([^"]+)"/g)].map((m) => m[1]!);
}

/** The tile's numbers must be the API's headline exactly (the page prints them unrounded in data attributes). */
function expectTileEqualsApi(
  tile: Record<string, string>,
  headline: { n: number; share: number | null; ci95: [number, number] | null; target: number | null; status: string },
) {
  expect({
    n: Number(tile.n),
    share: tile.share === '' ? null : Number(tile.share),
    low: tile.low === '' ? null : Number(tile.low),
    high: tile.high === '' ? null : Number(tile.high),
    target: Number(tile.target),
    status: tile.status,
  }).toEqual({
    n: headline.n,
    share: headline.share,
    low: headline.ci95?.[0] ?? null,
    high: headline.ci95?.[1] ?? null,
    target: headline.target,
    status: headline.status,
  });
}

describe('the overview: three targets on the first admin page', () => {
  let ctx: TestContext;
  let models: Models;
  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => NOW });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.insertMany(Object.values(U));
    await publishQuestionBank(models.Survey, QUESTION_BANK, NOW);
    await seedTargets(models.Target);
    const edu = (unit: Unit, scores: number[]) =>
      addResponses(models, { unit, surveyKey: `edu-parent-${unit.level}`, kind: 'education', scale: 5, period: '2026-10', scores });
    await edu(U['TH-A']!, repeat(5, 40));
    await edu(U['TH-B']!, [...repeat(4, 30), ...repeat(2, 30)]);
    await edu(U['THPT-E']!, repeat(5, 35));
    await addResponses(models, {
      unit: U.MOTCUA!,
      surveyKey: 'tthc-sipas',
      kind: 'tthc',
      scale: 5,
      period: '2026-09',
      scores: [...repeat(5, 45), ...repeat(3, 5)],
    });
    const file = [
      'dossier_code,procedure_code,procedure_name,unit_code,received_at,due_at,returned_at,channel,apology_sent',
      ...dossierRows('TH-A', 40, 10),
      ...dossierRows('THPT-E', 40, 0),
    ].join('\n');
    expect((await importDossiers(models, ctx.instance.projector, await saltProvider(models.Setting)(), Buffer.from(file), NOW)).errors).toEqual([]);
    await createUser(models, 'so@example.vn', 'department', 'SGD');
    await createUser(models, 'pgd@example.vn', 'unit_manager', 'PGD-A');
  });
  afterAll(() => ctx.close());

  it('when the department opens /admin, then each tile shows exactly what the API gives with its defaults', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const page = (await agent.get('/admin').expect(200)).text;
    const education = (await agent.get('/api/v1/stats?kind=education').expect(200)).body;
    const tthc = (await agent.get('/api/v1/stats?kind=tthc').expect(200)).body;
    const dossiers = (await agent.get('/api/v1/dossier-stats').expect(200)).body;
    expectTileEqualsApi(tileOf(page, 'education'), education.headline);
    expectTileEqualsApi(tileOf(page, 'tthc'), tthc.headline);
    expectTileEqualsApi(tileOf(page, 'dossiers'), dossiers.headline);
    // Worked by hand: education 40 + 30 + 35 = 105 of 135; TTHC 45 of 50; dossiers 30 + 40 = 70 of 80.
    expect([
      education.headline.n,
      education.headline.satisfied,
      tthc.headline.n,
      tthc.headline.satisfied,
      dossiers.headline.n,
      dossiers.headline.onTime,
    ]).toEqual([135, 105, 50, 45, 80, 70]);
    expect(tileOf(page, 'dossiers')).toMatchObject({ target: '0.98', status: 'below' });
    // The fourth tile (issue #28): dossiers received online, as the API's `online` gives it.
    expect(tileOf(page, 'online')).toEqual({
      n: String(dossiers.online.received),
      share: dossiers.online.share === null ? '' : String(dossiers.online.share),
      low: dossiers.online.ci95 ? String(dossiers.online.ci95[0]) : '',
      high: dossiers.online.ci95 ? String(dossiers.online.ci95[1]) : '',
      target: String(dossiers.online.target),
      status: dossiers.online.status,
    });
    expect(dossiers.online.received).toBeGreaterThan(0);
    expect(page.match(/<svg class="sparkline"/g)).toHaveLength(4);
  });

  it('when a unit under the scope has its whole interval below the target, then it is listed first', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const page = (await agent.get('/admin').expect(200)).text;
    // The survey tiles list the units answered for, as the dashboard does: TH-B 30/60 is below 85% with its whole
    // interval; TH-A 40/40 and THPT-E 35/35 meet it. The dossier tile lists the units directly under the scope,
    // each with its subtree: PGD-A 30/40 is below 98%, THPT-E 40/40 meets it.
    expect(unitOrder(page, 'education')).toEqual(['TH-B', 'TH-A', 'THPT-E']);
    expect(unitOrder(page, 'dossiers')).toEqual(['PGD-A', 'THPT-E']);
    expect(unitOrder(page, 'tthc')).toEqual(['MOTCUA']);
  });

  it('when a district manager opens /admin, then the tiles are its subtree, equal to the API for the same session', async () => {
    const agent = await signIn(ctx.app, 'pgd@example.vn');
    const page = (await agent.get('/admin').expect(200)).text;
    const education = (await agent.get('/api/v1/stats?kind=education').expect(200)).body;
    const dossiers = (await agent.get('/api/v1/dossier-stats').expect(200)).body;
    expect(education.scope.unit.code).toBe('PGD-A');
    expectTileEqualsApi(tileOf(page, 'education'), education.headline);
    expectTileEqualsApi(tileOf(page, 'dossiers'), dossiers.headline);
    expect(dossiers.headline).toMatchObject({ n: 40, onTime: 30 });
    expect(unitOrder(page, 'education')).toEqual(['TH-B', 'TH-A']);
    expect(page).not.toContain('data-unit="THPT-E"');
  });

  it('when the dashboard is asked for, at /admin/dashboard or at /admin with filters (links in e-mails already sent), then it renders', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    for (const path of ['/admin/dashboard', '/admin/dashboard?kind=tthc&unit=SGD', '/admin?kind=education&unit=SGD&from=2026-10&to=2026-10']) {
      const page = (await agent.get(path).expect(200)).text;
      expect(page).toContain('id="headline-title"');
      expect(page).not.toContain('id="tile-education"');
    }
    await agent.get('/admin?unit=NOPE').expect(404);
  });

  it('when the dashboard draws its trend, then each month with a figure carries its 95% interval around it, and a hidden month none', async () => {
    const agent = await signIn(ctx.app, 'so@example.vn');
    const page = (await agent.get('/admin/dashboard?kind=education&unit=SGD').expect(200)).text;
    const chart = JSON.parse(/<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(page)![1]!) as {
      share: (number | null)[];
      low: (number | null)[];
      high: (number | null)[];
    };
    expect(chart.low).toHaveLength(chart.share.length);
    expect(chart.share.some((s) => s !== null)).toBe(true);
    chart.share.forEach((share, i) => {
      if (share === null) expect([chart.low[i], chart.high[i]]).toEqual([null, null]);
      else {
        expect(chart.low[i]!).toBeLessThanOrEqual(share);
        expect(chart.high[i]!).toBeGreaterThanOrEqual(share);
      }
    });
  });
});
