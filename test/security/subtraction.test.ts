import request from 'supertest';
import type { Models } from '../../src/models';
import type { Unit } from '../../src/units/unit.model';
import { addResponses, createApiToken, seedProvince } from '../helpers/admin-fixtures';
import { openRange, unitFigures } from '../../src/public/open-data';
import { publishUnit } from '../../src/public/published-units';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { ratingQuestions } from '../../src/surveys/form-fields';
import { QUESTION_BANK } from '../../src/surveys/question-bank';

/**
 * Issue #25 item 6: a hidden cell must not come back by subtracting figures the same caller can request. A
 * province-wide caller (the worst case: every scope is theirs) requests every scope over every range of four months,
 * and every row of every breakdown. Each published `satisfied` is a known sum over cells (a unit's own answers in a
 * month); the test then asks linear algebra whether any small cell (0 < n < k), or any sum of small cells below k,
 * lies in the span of what was published. It must not: subtraction of any kind would then rebuild it.
 *
 *   SGD ─ PGD-A ─ A1 (20 a month), A2 (20 a month), A3 (3 answers, November only: "3 of 3 satisfied")
 *       └ THPT-X (20 a month, directly under the department, as upper-secondary schools are)
 */
const U: Record<string, Unit> = {
  SGD: { code: 'SGD', name: 'Sở GDĐT', type: 'department', ancestors: [] },
  'PGD-A': { code: 'PGD-A', name: 'Phòng GDĐT A', type: 'district_office', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  A1: { code: 'A1', name: 'THCS A1', type: 'school', level: 'thcs', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  A2: { code: 'A2', name: 'Tiểu học A2', type: 'school', level: 'tieuhoc', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  A3: { code: 'A3', name: 'Mầm non A3', type: 'school', level: 'mamnon', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  'THPT-X': { code: 'THPT-X', name: 'THPT X', type: 'school', level: 'thpt', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
};
const MONTHS = ['2026-08', '2026-09', '2026-10', '2026-11'];
const K = 5;

type Cell = `${string}@${string}`;

interface Stats {
  headline: { n: number; satisfied: number | null };
  byMonth: { period: string; n: number; satisfied: number | null }[];
  byUnit: { key: string; n: number; satisfied: number | null }[];
  byLevel: { key: string; n: number; satisfied: number | null }[];
  byDistrict: { key: string; n: number; satisfied: number | null }[];
}

/** Whether `target` is a linear combination of `rows` (Gaussian elimination; entries are small integers). */
function inSpan(rows: number[][], target: number[]): boolean {
  const basis: number[][] = [];
  const pivots: number[] = [];
  const reduce = (v: number[]) => {
    const out = [...v];
    basis.forEach((b, i) => {
      const p = pivots[i]!;
      if (Math.abs(out[p]!) > 1e-9) {
        const f = out[p]! / b[p]!;
        for (let j = 0; j < out.length; j++) out[j]! -= f * b[j]!;
      }
    });
    return out;
  };
  for (const row of rows) {
    const r = reduce(row);
    const p = r.findIndex((x) => Math.abs(x) > 1e-9);
    if (p >= 0) {
      basis.push(r);
      pivots.push(p);
    }
  }
  return reduce(target).every((x) => Math.abs(x) < 1e-9);
}

/**
 * A fixture's units (today's tree) and, for "then", each moved unit's chain on the day of its answers. A cell is a
 * unit's own answers in a month (`A1@2026-11`); in a TTHC fixture, those that rated a dossier and the others apart
 * (`A1@2026-11@r`, `A1@2026-11@u`).
 */
interface Fixture {
  units: Record<string, Unit>;
  then?: Record<string, string[]>;
  sizes: Map<Cell, number>;
  months: string[];
  kind?: 'education' | 'tthc';
}

const stats = async (app: TestContext['app'], token: string, unit: string, from: string, to: string, extra = '', kind = 'education'): Promise<Stats> =>
  (await request(app).get(`/api/v1/stats?kind=${kind}&unit=${unit}&from=${from}&to=${to}${extra}`).set('authorization', `Bearer ${token}`).expect(200))
    .body as Stats;

/** The satisfied count of rated dossiers' answers (`/api/v1/dossier-stats`), null when hidden. */
const ratedSatisfied = async (app: TestContext['app'], token: string, unit: string, from: string, to: string): Promise<number | null> =>
  (await request(app).get(`/api/v1/dossier-stats?unit=${unit}&from=${from}&to=${to}`).set('authorization', `Bearer ${token}`).expect(200)).body.rated
    .satisfaction.satisfied;

/** Every published satisfied count a province-wide caller can get (both trees when the fixture has moves), as the cells it sums. */
async function everythingPublished(app: TestContext['app'], token: string, fx: Fixture): Promise<Cell[][]> {
  const sets: Cell[][] = [];
  const cellsOf = (units: Unit[], months: string[]) => {
    const wanted = new Set(units.flatMap((u) => months.map((m) => `${u.code}@${m}`)));
    return [...fx.sizes.keys()].filter((c) => wanted.has(c.split('@').slice(0, 2).join('@')));
  };
  const kind = fx.kind ?? 'education';
  for (const tree of fx.then ? ['today', 'then'] : ['today']) {
    const chainOf = (u: Unit) => (tree === 'then' ? (fx.then?.[u.code] ?? u.ancestors) : u.ancestors);
    const subtree = (code: string) => Object.values(fx.units).filter((u) => u.code === code || chainOf(u).includes(code));
    const extra = tree === 'then' ? '&tree=then' : '';
    for (const scope of Object.keys(fx.units)) {
      const inScope = subtree(scope);
      for (let i = 0; i < fx.months.length; i++) {
        for (let j = i; j < fx.months.length; j++) {
          const range = fx.months.slice(i, j + 1);
          const s = await stats(app, token, scope, range[0]!, range.at(-1)!, extra, kind);
          if (kind === 'tthc' && tree === 'today' && (await ratedSatisfied(app, token, scope, range[0]!, range.at(-1)!)) !== null) {
            sets.push(cellsOf(inScope, range).filter((c) => c.endsWith('@r')));
          }
          if (s.headline.satisfied !== null) sets.push(cellsOf(inScope, range));
          for (const m of s.byMonth) if (m.satisfied !== null) sets.push(cellsOf(inScope, [m.period]));
          for (const row of s.byUnit) if (row.satisfied !== null) sets.push(cellsOf([fx.units[row.key]!], range));
          for (const row of s.byLevel)
            if (row.satisfied !== null)
              sets.push(
                cellsOf(
                  inScope.filter((u) => (u.level ?? 'none') === row.key),
                  range,
                ),
              );
          for (const row of s.byDistrict)
            if (row.satisfied !== null)
              sets.push(
                cellsOf(
                  inScope.filter((u) => u.district === row.key),
                  range,
                ),
              );
          for (const level of ['thcs', 'tieuhoc', 'mamnon', 'thpt']) {
            const filtered = await stats(app, token, scope, range[0]!, range.at(-1)!, `${extra}&level=${level}`, kind);
            if (filtered.headline.satisfied !== null)
              sets.push(
                cellsOf(
                  inScope.filter((u) => u.level === level),
                  range,
                ),
              );
          }
        }
      }
    }
  }
  return sets;
}

/** The small cells (0 < n < k), and every combination of them below k that the published counts could rebuild. */
function derivableSmallSums(published: Cell[][], sizes: Map<Cell, number>): { small: Cell[]; derivable: Cell[][] } {
  const cells = [...sizes.keys()];
  const vector = (set: readonly Cell[]) => cells.map((c) => (set.includes(c) ? 1 : 0));
  const rows = published.map(vector);
  const small = cells.filter((c) => sizes.get(c)! > 0 && sizes.get(c)! < K);
  const derivable: Cell[][] = [];
  for (let mask = 1; mask < 1 << small.length; mask++) {
    const combo = small.filter((_, i) => mask & (1 << i));
    if (combo.reduce((n, c) => n + sizes.get(c)!, 0) >= K) continue;
    if (inSpan(rows, vector(combo))) derivable.push(combo);
  }
  return { small, derivable };
}

describe('hidden cells and subtraction (issue #25 item 6)', () => {
  let ctx: TestContext;
  let models: Models;
  let token: string;
  const fx: Fixture = { units: U, sizes: new Map(), months: MONTHS };
  const get = (unit: string, from: string, to: string) => stats(ctx.app, token, unit, from, to);

  beforeAll(async () => {
    ctx = await createTestContext({ SMALL_CELL_K: String(K) });
    models = await seedProvince(ctx.db.connection, Object.values(U));
    const add = async (unit: Unit, period: string, scores: number[]) => {
      await addResponses(models, { unit, surveyKey: `edu-parent-${unit.level}`, kind: 'education', scale: 5, period, scores });
      fx.sizes.set(`${unit.code}@${period}`, scores.length);
    };
    for (const period of MONTHS) {
      for (const code of ['A1', 'A2', 'THPT-X']) await add(U[code]!, period, [...Array(14).fill(5), ...Array(6).fill(2)]);
    }
    await add(U.A3!, '2026-11', [5, 5, 5]);
    token = await createApiToken(models, 'SGD');
  });
  afterAll(() => ctx.close());

  it('when a province-wide caller requests every scope, range, breakdown and level, then no small cell or small sum lies in the span of the published counts', async () => {
    const published = await everythingPublished(ctx.app, token, fx);
    const { small, derivable } = derivableSmallSums(published, fx.sizes);
    expect(small).toEqual(['A3@2026-11']);
    expect(derivable).toEqual([]);
    // The rule hides no more than it must here: the province, its other schools and their months stay published.
    expect(published.length).toBeGreaterThan(50);
    expect((await get('SGD', '2026-08', '2026-11')).headline.satisfied).toBe(14 * 3 * 4 + 3);
    expect((await get('A1', '2026-08', '2026-11')).headline.satisfied).toBe(14 * 4);
  });

  it('when the attacks of the issue are tried one by one, then each meets a hidden figure', async () => {
    // 12 months (here 4) minus each other month, each requested alone.
    const total = await get('A3', '2026-08', '2026-11');
    expect(total.headline.n).toBe(3);
    expect(total.headline.satisfied).toBeNull();
    // A parent minus its children: the district office is hidden in November, its published schools are not enough.
    const november = await get('PGD-A', '2026-11', '2026-11');
    expect(november.headline.satisfied).toBeNull();
    const a1 = await get('A1', '2026-11', '2026-11');
    const a2 = await get('A2', '2026-11', '2026-11');
    expect([a1.headline.satisfied, a2.headline.satisfied]).toEqual([14, 14]);
    // The province minus everything published below it leaves A3 together with a whole school (an atom of 23).
    const province = await get('SGD', '2026-11', '2026-11');
    const x = await get('THPT-X', '2026-11', '2026-11');
    expect(x.headline.satisfied).toBeNull();
    expect(province.headline.satisfied! - a1.headline.satisfied! - a2.headline.satisfied!).toBe(14 + 3);
    expect(province.headline.n - a1.headline.n - a2.headline.n).toBeGreaterThanOrEqual(K);
    expect(province.byUnit.find((r) => r.key === 'A3')!.satisfied).toBeNull();
    expect(province.byUnit.find((r) => r.key === 'THPT-X')!.satisfied).toBeNull();
  });

  it('when the province is published on /cong-khai, then its open data and every public page add nothing to that span (issue #27)', async () => {
    await publishUnit(models.PublishedUnit, 'SGD', 'test', new Date());
    const published = await everythingPublished(ctx.app, token, fx);
    const cellsOf = (code: string, from: string, to: string) =>
      [...fx.sizes.keys()].filter((cell) => {
        const [unit, month] = cell.split('@') as [string, string];
        return (unit === code || U[unit]!.ancestors.includes(code)) && month >= from && month <= to;
      });
    // The open data: the province by quarter, its children over 12 months.
    const open = (await request(ctx.app).get('/cong-khai/du-lieu.json').expect(200)).body as {
      figures: { unit: { code: string }; kind: string; from: string; to: string; n: number; share: number | null }[];
    };
    const education = open.figures.filter((f) => f.kind === 'education');
    expect(education.some((f) => f.unit.code === 'SGD' && f.share !== null)).toBe(true);
    // Every public page: each unit's own figures, 12 months and quarters (what /cong-khai/:unitCode shows).
    const pages = await Promise.all(
      Object.values(U).map((unit) =>
        unitFigures(
          { models, catalog: new SurveyCatalog(models.Survey), projector: { settled: () => Promise.resolve() }, k: K },
          unit,
          openRange(new Date()).periods,
          new Date(),
        ),
      ),
    );
    const figures = [...education, ...pages.flatMap((page) => page.figures.filter((f) => f.kind === 'education'))];
    for (const f of figures) if (f.share !== null) published.push(cellsOf(f.unit.code, f.from, f.to));
    expect(figures.filter((f) => f.n > 0 && f.n < K && f.share !== null)).toEqual([]);
    const { small, derivable } = derivableSmallSums(published, fx.sizes);
    expect(small).toEqual(['A3@2026-11']);
    expect(derivable).toEqual([]);
    // A3 alone: its page shows its count only.
    const a3 = pages[Object.keys(U).indexOf('A3')]!.figures.find((f) => f.kind === 'education' && f.period === '12m')!;
    expect([a3.n, a3.share]).toEqual([3, null]);
  });
});

/**
 * "As the tree was then" minus today's tree: school M (3 answers in November) was under PGD-A on the day of its
 * answers and is under PGD-B today. PGD-A then minus PGD-A today would be M's three answers.
 */
describe('hidden cells and subtraction across the two trees (issue #25 item 6)', () => {
  const T: Record<string, Unit> = {
    SGD: U.SGD!,
    'PGD-A': U['PGD-A']!,
    A1: U.A1!,
    'PGD-B': { code: 'PGD-B', name: 'Phòng GDĐT B', type: 'district_office', district: 'Bình Sơn', parentCode: 'SGD', ancestors: ['SGD'] },
    B1: { code: 'B1', name: 'THCS B1', type: 'school', level: 'thcs', district: 'Bình Sơn', parentCode: 'PGD-B', ancestors: ['SGD', 'PGD-B'] },
    M: { code: 'M', name: 'THCS M', type: 'school', level: 'thcs', district: 'Bình Sơn', parentCode: 'PGD-B', ancestors: ['SGD', 'PGD-B'] },
    // The school whose atom the province takes in with M's answers: PGD-A stays published today.
    'THPT-X': U['THPT-X']!,
  };
  const months = ['2026-10', '2026-11'];
  let ctx: TestContext;
  let token: string;
  const fx: Fixture = { units: T, then: { M: ['SGD', 'PGD-A'] }, sizes: new Map(), months };

  beforeAll(async () => {
    ctx = await createTestContext({ SMALL_CELL_K: String(K) });
    const models = await seedProvince(ctx.db.connection, Object.values(T));
    for (const period of months) {
      for (const code of ['A1', 'B1', 'THPT-X']) {
        await addResponses(models, {
          unit: T[code]!,
          surveyKey: `edu-parent-${T[code]!.level}`,
          kind: 'education',
          scale: 5,
          period,
          scores: [...Array(14).fill(5), ...Array(6).fill(2)],
        });
        fx.sizes.set(`${code}@${period}`, 20);
      }
    }
    // M's answers as a reorganisation leaves them (reorganisation/rechain.ts): today's chain, and the chain on their day.
    await addResponses(models, {
      unit: T.M!,
      surveyKey: 'edu-parent-thcs',
      kind: 'education',
      scale: 5,
      period: '2026-11',
      scores: [5, 5, 5],
      unitAncestorsThen: ['SGD', 'PGD-A'],
    });
    fx.sizes.set('M@2026-11', 3);
    token = await createApiToken(models, 'SGD');
  });
  afterAll(() => ctx.close());

  it('when every figure of both trees is requested, then no small cell or small sum lies in the span of the published counts', async () => {
    const thenA = await stats(ctx.app, token, 'PGD-A', '2026-11', '2026-11', '&tree=then');
    expect(thenA.headline.n).toBe(23);
    expect(thenA.headline.satisfied).toBeNull();
    // Today PGD-A is published (A1's atom), and so is A1: "then" minus today would have been M's three answers.
    expect((await stats(ctx.app, token, 'PGD-A', '2026-11', '2026-11')).headline.satisfied).toBe(14);
    const published = await everythingPublished(ctx.app, token, fx);
    const { small, derivable } = derivableSmallSums(published, fx.sizes);
    expect(small).toEqual(['M@2026-11']);
    expect(derivable).toEqual([]);
    // Where the trees agree, the view "then" is today's, published alike.
    expect((await stats(ctx.app, token, 'SGD', '2026-10', '2026-11', '&tree=then')).headline.satisfied).toBe(14 * 6 + 3);
  });
});

/**
 * The TTHC headline minus the satisfaction of rated dossiers: in November, 17 of A1's 20 answers named a dossier
 * code and 3 did not. A1's TTHC figure minus its rated figure would be those 3 answers.
 */
describe('hidden cells and subtraction between the TTHC headline and rated dossiers (issue #25 item 6)', () => {
  const months = ['2026-10', '2026-11'];
  let ctx: TestContext;
  let token: string;
  const fx: Fixture = { units: U, sizes: new Map(), months, kind: 'tthc' };
  const schools = ['A1', 'A2', 'THPT-X'];

  beforeAll(async () => {
    ctx = await createTestContext({ SMALL_CELL_K: String(K) });
    const models = await seedProvince(ctx.db.connection, Object.values(U));
    const add = async (code: string, period: string, rated: boolean, scores: number[]) => {
      await addResponses(models, { unit: U[code]!, surveyKey: 'tthc-sipas', kind: 'tthc', scale: 5, period, scores, ratedDossier: rated });
      fx.sizes.set(`${code}@${period}@${rated ? 'r' : 'u'}`, scores.length);
    };
    for (const period of months) {
      for (const code of schools) {
        const few = code === 'A1' && period === '2026-11';
        await add(code, period, true, few ? [...Array(12).fill(5), ...Array(5).fill(2)] : [...Array(7).fill(5), ...Array(3).fill(2)]);
        await add(code, period, false, few ? [5, 5, 5] : [...Array(7).fill(4), ...Array(3).fill(1)]);
      }
    }
    token = await createApiToken(models, 'SGD');
  });
  afterAll(() => ctx.close());

  it('when every TTHC figure and every rated figure is requested, then no small cell or small sum lies in the span of the published counts', async () => {
    // A1's November is published as a whole; its rated part is not, nor is any rated figure that holds it.
    expect((await stats(ctx.app, token, 'A1', '2026-11', '2026-11', '', 'tthc')).headline.satisfied).toBe(15);
    expect(await ratedSatisfied(ctx.app, token, 'A1', '2026-11', '2026-11')).toBeNull();
    expect(await ratedSatisfied(ctx.app, token, 'SGD', '2026-10', '2026-11')).toBeNull();
    // Where rated and unrated answers are each k or more, the rated figure stays.
    expect(await ratedSatisfied(ctx.app, token, 'A2', '2026-10', '2026-11')).toBe(14);
    expect(await ratedSatisfied(ctx.app, token, 'SGD', '2026-10', '2026-10')).toBe(21);
    const published = await everythingPublished(ctx.app, token, fx);
    const { small, derivable } = derivableSmallSums(published, fx.sizes);
    expect(small).toEqual(['A1@2026-11@u']);
    expect(derivable).toEqual([]);
  });
});

/**
 * A question's breakdown minus another scope's: in November, 17 of A1's 20 answers left question Q blank, so 3
 * answered it. A1 is published (20 answers), but its breakdown of Q (or of Q's section, which sums Q with the
 * others) minus nothing, or PGD-A's minus A2's, would be those 3 answers.
 */
describe('hidden cells and subtraction in the question breakdowns (issue #25 item 6, blank answers)', () => {
  const months = ['2026-10', '2026-11'];
  const schools = ['A1', 'A2', 'THPT-X'];
  const surveyOf = (code: string) => QUESTION_BANK.find((d) => d.key === `edu-parent-${U[code]!.level}`)!;
  // A question every school's survey asks, and its section.
  const shared = ratingQuestions(surveyOf('A1'))
    .map((q) => q.key)
    .filter((key) => key !== 'overall' && schools.every((code) => ratingQuestions(surveyOf(code)).some((q) => q.key === key)));
  const Q = shared[0]!;
  const section = surveyOf('A1').sections.find((s) => s.questions.some((q) => q.key === Q))!.key;
  let ctx: TestContext;
  let token: string;
  /** answers to Q per unit and month */
  const sizes = new Map<Cell, number>();

  beforeAll(async () => {
    ctx = await createTestContext({ SMALL_CELL_K: String(K) });
    const models = await seedProvince(ctx.db.connection, Object.values(U));
    for (const period of months) {
      for (const code of schools) {
        const few = code === 'A1' && period === '2026-11';
        const add = (scores: number[], items: Record<string, number>) =>
          addResponses(models, { unit: U[code]!, surveyKey: surveyOf(code).key, kind: 'education', scale: 5, period, scores, items });
        await add(few ? [5, 5, 5] : [...Array(14).fill(5), ...Array(6).fill(2)], { [Q]: 5 });
        if (few) await add([...Array(11).fill(5), ...Array(6).fill(2)], {});
        sizes.set(`${code}@${period}`, few ? 3 : 20);
      }
    }
    token = await createApiToken(models, 'SGD');
  });
  afterAll(() => ctx.close());

  /** Every published count of Q (its row, or its section's, which gives Q with the other questions published) as cells. */
  async function publishedQ(): Promise<Cell[][]> {
    const sets: Cell[][] = [];
    for (const scope of Object.keys(U)) {
      const inScope = Object.values(U).filter((u) => u.code === scope || u.ancestors.includes(scope));
      for (let i = 0; i < months.length; i++) {
        for (let j = i; j < months.length; j++) {
          const range = months.slice(i, j + 1);
          for (const level of [undefined, 'thcs', 'tieuhoc', 'thpt', 'mamnon']) {
            const s = (await stats(ctx.app, token, scope, range[0]!, range.at(-1)!, level ? `&level=${level}` : '')) as Stats & {
              byQuestion: { key: string; satisfied: number | null }[];
              bySection: { key: string; satisfied: number | null }[];
            };
            const shown = s.byQuestion.find((q) => q.key === Q)?.satisfied != null || s.bySection.find((r) => r.key === section)?.satisfied != null;
            if (!shown) continue;
            const units = inScope.filter((u) => !level || u.level === level);
            sets.push(units.flatMap((u) => range.map((m): Cell => `${u.code}@${m}`)).filter((c) => sizes.has(c)));
          }
        }
      }
    }
    return sets;
  }

  it('when every question and section breakdown is requested at every scope, range and level, then no small count of answers to Q lies in their span', async () => {
    const november = (unit: string) => stats(ctx.app, token, unit, '2026-11', '2026-11');
    const a1 = (await november('A1')) as Stats & {
      byQuestion: { key: string; n: number; satisfied: number | null }[];
      bySection: { key: string; satisfied: number | null }[];
    };
    expect(a1.headline.satisfied).toBe(14); // A1 itself is published: 20 answers
    expect(a1.byQuestion.find((q) => q.key === Q)).toMatchObject({ n: 3, satisfied: null });
    expect(a1.bySection.find((s) => s.key === section)?.satisfied).toBeNull();
    // The province shows Q over both months (A1's 3 go into the province's atom for Q).
    const province = (await stats(ctx.app, token, 'SGD', '2026-10', '2026-11')) as Stats & { byQuestion: { key: string; satisfied: number | null }[] };
    expect(province.byQuestion.find((q) => q.key === Q)?.satisfied).toBe(20 * 5 + 3);
    const published = await publishedQ();
    expect(published.length).toBeGreaterThan(10);
    const { small, derivable } = derivableSmallSums(published, sizes);
    expect(small).toEqual(['A1@2026-11']);
    expect(derivable).toEqual([]);
  });
});
