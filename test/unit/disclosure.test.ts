import { publicationOf } from '../../src/stats/disclosure';
import { monthAtoms as atomsWith, treeOf, type RootMonth } from '../../src/stats/disclosure-months';
import { notPublishedAt, TreeWalk } from '../../src/stats/question-disclosure';
import type { Unit } from '../../src/units/unit.model';

/**
 * The atoms of one month (src/stats/disclosure.ts), worked by hand with k = 5:
 *
 *   R ─ P ─ a (20), b (3), c (1)
 *     │   └ Q ─ d (2)
 *     ├ e (2)
 *     └ f (8)
 */
const unit = (code: string, chain: string[]): Unit => ({ code, name: code, type: 'school', parentCode: chain.at(-1), ancestors: chain });
const monthAtoms = (own: Map<string, number>, root: string, directory: Map<string, Unit>, k: number) => atomsWith(own, treeOf(directory, root), k);
const units = new Map<string, Unit>(
  [
    { code: 'R', name: 'R', type: 'department', ancestors: [] } as Unit,
    unit('P', ['R']),
    unit('Q', ['R', 'P']),
    unit('a', ['R', 'P']),
    unit('b', ['R', 'P']),
    unit('c', ['R', 'P']),
    unit('d', ['R', 'P', 'Q']),
    unit('e', ['R']),
    unit('f', ['R']),
  ].map((u) => [u.code, u]),
);

describe('the atoms of a month', () => {
  it('when small units pass their answers up, then the first residue of k or more holds them, and the root lifts its own with the nearest, smallest atom', () => {
    const { atomOf, unpublished, residue } = monthAtoms(
      new Map([
        ['a', 20],
        ['b', 3],
        ['c', 1],
        ['d', 2],
        ['e', 2],
        ['f', 8],
      ]),
      'R',
      units,
      5,
    );
    // d (2) -> Q (2, below k) -> P, with b (3) and c (1): P holds 6.
    expect(residue.get('P')).toBe(6);
    // e (2) reaches the root alone; of the atoms nearest the root (P 6, f 8) it takes the smaller, P's: 8 in all.
    expect(residue.get('R')).toBe(8);
    expect(['b', 'c', 'd', 'e'].map((u) => atomOf.get(u))).toEqual(['R', 'R', 'R', 'R']);
    expect([atomOf.get('a'), atomOf.get('f')]).toEqual(['a', 'f']);
    expect([...unpublished].sort()).toEqual(['P', 'Q', 'b', 'c', 'd', 'e']);
  });

  it('when the root has nothing small, then it lends nothing and everything with k or more is published', () => {
    const { unpublished, atomOf } = monthAtoms(
      new Map([
        ['a', 20],
        ['f', 8],
      ]),
      'R',
      units,
      5,
    );
    expect([...unpublished]).toEqual([]);
    expect([atomOf.get('a'), atomOf.get('f')]).toEqual(['a', 'f']);
  });

  it('when the root must take in an atom held deep in the tree, then every unit between it and the root is not published', () => {
    // e (2) at the root; the only atom is a's (20), two levels down.
    const { unpublished, atomOf } = monthAtoms(
      new Map([
        ['a', 20],
        ['e', 2],
      ]),
      'R',
      units,
      5,
    );
    expect(atomOf.get('a')).toBe('R');
    expect([...unpublished].sort()).toEqual(['P', 'a', 'e']);
  });

  it('when nothing can lift the root to k, then nothing with those answers is published, not even the root', () => {
    const { unpublished, atomOf } = monthAtoms(
      new Map([
        ['e', 2],
        ['d', 1],
      ]),
      'R',
      units,
      5,
    );
    expect(atomOf.get('e')).toBeNull();
    expect([...unpublished].sort()).toEqual(['P', 'Q', 'R', 'd', 'e']);
  });

  it('when a unit is not in the directory, then its answers are the root’s own', () => {
    const { atomOf } = monthAtoms(
      new Map([
        ['zz', 3],
        ['f', 8],
      ]),
      'R',
      units,
      5,
    );
    expect(atomOf.get('zz')).toBe('R');
  });
});

/**
 * Questions left blank (issue #25 item 6): the same rule over each question's answers. k = 5, one survey `s`
 * asking q1 and q2, every unit with 20 answers; in unit a, 17 of them left q1 blank (3 answered it).
 */
describe('the questions of a month', () => {
  type Blanks = Record<string, Record<string, Record<string, number>>>;
  const questions = new Map([['s', ['q1', 'q2', 'overall']]]);
  /** Each unit's answers that left anything blank: here, the most blanks of any one question. */
  const partialOf = (blanks: Blanks | undefined) =>
    Object.fromEntries(Object.entries(blanks ?? {}).map(([unit, perSurvey]) => [unit, Math.max(...Object.values(perSurvey.s ?? {}))]));
  const month = (blanks: Blanks | undefined, blanksKnown = 80): RootMonth => ({
    period: '2026-11',
    respondents: 80,
    blanksKnown,
    surveys: { s: { scale: 5, items: {} } },
    units: Object.fromEntries(['a', 'b', 'e', 'f'].map((code) => [code, { s: { s5: 20 } }])),
    partialUnits: partialOf(blanks),
  });
  /** As computeStats asks: without the blanks first, then with them for the months that need them. */
  const publication = (scope: string, blanks: Blanks | undefined, blanksKnown?: number) => {
    const input = { rootMonths: [month(blanks, blanksKnown)], periods: ['2026-11'], scope, root: 'R', units, k: 5, questions };
    const first = publicationOf(input);
    return first.blanksNeeded.length ? publicationOf({ ...input, blanks: new Map([['2026-11', blanks ?? {}]]) }) : first;
  };

  it('when an atom holds fewer than k answers to one question, then that question is hidden wherever they could be isolated, and shown above', () => {
    const blanks = { a: { s: { q1: 17 } } };
    // q1: a's 3 pass up to P, then to R; R lifts them with the nearest, smallest atom (e or f, 20 each: e).
    for (const scope of ['a', 'P']) expect([scope, publication(scope, blanks).question('q1')]).toEqual([scope, false]);
    expect(publication('R', blanks).question('q1')).toBe(true);
    expect(publication('b', blanks).question('q1')).toBe(true);
    expect(publication('e', blanks).question('q1')).toBe(false); // lent to the root
    expect(publication('f', blanks).question('q1')).toBe(true);
    // The overall question and q2 were answered by all: every scope publishes them.
    for (const scope of ['a', 'P', 'R', 'e']) {
      expect(publication(scope, blanks).scope).toBe(true);
      expect(publication(scope, blanks).question('q2')).toBe(true);
    }
  });

  it('when blanks leave 0 or at least k answers to a question in every atom, then nothing more is hidden', () => {
    for (const blanks of [{ a: { s: { q1: 20 } } }, { a: { s: { q1: 15 } } }, undefined]) {
      for (const scope of ['a', 'P', 'R', 'e']) expect(publication(scope, blanks).question('q1')).toBe(true);
    }
  });

  it('when the answers that left anything blank cannot bring an atom below k, then the blanks are not needed; else no question is shown without them', () => {
    const input = (blanks: Blanks) => ({ rootMonths: [month(blanks)], periods: ['2026-11'], scope: 'R', root: 'R', units, k: 5, questions });
    const few = publicationOf(input({ a: { s: { q1: 15 } } }));
    expect(few.blanksNeeded).toEqual([]);
    expect(few.question('q1')).toBe(true);
    const many = publicationOf(input({ a: { s: { q1: 17 } } }));
    expect(many.blanksNeeded).toEqual(['2026-11']);
    expect([many.question('q1'), many.question('q2'), many.scope]).toEqual([false, false, true]);
  });

  it('when some answers of the month have blanks that are not known (stored before they were counted), then no question is shown', () => {
    for (const scope of ['a', 'R']) {
      expect(publication(scope, undefined, 79).question('q2')).toBe(false);
      expect(publication(scope, undefined, 79).scope).toBe(true);
      expect(publication(scope, undefined, 80).question('q2')).toBe(true);
    }
  });

  it('when the part of a scope at one level is asked, then a question atom that crosses levels hides the question there', () => {
    const blanks = { a: { s: { q1: 17 } } };
    const leveled: RootMonth = {
      ...month(blanks),
      byLevel: {
        thcs: { surveys: {}, units: { a: { s: { s5: 20 } } }, levels: {}, districts: {}, respondents: 20 },
        tieuhoc: { surveys: {}, units: { b: { s: { s5: 20 } } }, levels: {}, districts: {}, respondents: 20 },
      },
    };
    const p = publicationOf({
      rootMonths: [leveled],
      periods: ['2026-11'],
      scope: 'R',
      root: 'R',
      units,
      k: 5,
      questions,
      blanks: new Map([['2026-11', blanks]]),
    });
    expect(p.question('q1')).toBe(true);
    // q1's root atom holds a's 3 (thcs) and e's 20 (no level): the thcs part of R would tell a's 3 apart.
    expect(p.question('q1', 'thcs')).toBe(false);
    expect(p.question('q2', 'thcs')).toBe(true);
  });
});

describe('the walk over arrays', () => {
  it('when many random trees, counts and levels are walked, then it hides exactly what the walk over maps hides, for every scope', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const levels = ['thcs', 'tieuhoc', 'none'];
    for (let round = 0; round < 300; round++) {
      const directory = new Map<string, Unit>([['R', { code: 'R', name: 'R', type: 'department', ancestors: [] }]]);
      const size = 2 + Math.floor(random() * 25);
      for (let i = 0; i < size; i++) {
        const parents = [...directory.values()];
        const parent = parents[Math.floor(random() * parents.length)]!;
        const code = `u${String(i).padStart(2, '0')}`;
        directory.set(code, unit(code, [...parent.ancestors, parent.code]));
      }
      // Some units with answers the directory does not know, and some without any.
      const codes = [...directory.keys(), 'zz1', 'zz2'].filter(() => random() < 0.8);
      const counts = Float64Array.from(codes, () => (random() < 0.3 ? 0 : Math.floor(random() * 9)));
      const levelOf = new Map(codes.map((code) => [code, random() < 0.1 ? '*' : levels[Math.floor(random() * levels.length)]!]));
      const tree = treeOf(directory, 'R');
      const k = 2 + Math.floor(random() * 5);
      const data: RootMonth = {
        period: '2026-11',
        surveys: {},
        units: {},
        byLevel: { thcs: { respondents: 0, surveys: {}, units: {}, levels: {}, districts: {} } },
      };
      const own = new Map(codes.map((code, i) => [code, counts[i]!]).filter(([, n]) => (n as number) > 0) as [string, number][]);
      for (const scope of [...directory.keys()]) {
        const inScope = (code: string) => code === scope || scope === 'R' || (directory.get(code)?.ancestors ?? []).includes(scope);
        const input = { data, tree, k, scope, inScope, levels: levelOf };
        const fast = [...new TreeWalk(codes, input).notPublishedAt(counts)].sort();
        expect([round, scope, fast]).toEqual([round, scope, [...notPublishedAt(own, input)].sort()]);
      }
    }
  });
});

describe('the work of a month kept between requests (disclosure-months.ts)', () => {
  it('when the same month object is asked again for other scopes, questions and levels, then every answer equals that of a fresh copy', () => {
    let seed = 4242;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 60; round++) {
      const directory = new Map<string, Unit>([['R', { code: 'R', name: 'R', type: 'department', ancestors: [] }]]);
      for (let i = 0; i < 3 + Math.floor(random() * 15); i++) {
        const parents = [...directory.values()];
        const parent = parents[Math.floor(random() * parents.length)]!;
        const code = `u${i}`;
        directory.set(code, { ...unit(code, [...parent.ancestors, parent.code]), district: random() < 0.5 ? 'D1' : 'D2' });
      }
      const withAnswers = [...directory.keys()].filter(() => random() < 0.8);
      const n = (code: string) => 1 + ((code.length * 7 + Math.floor(random() * 12)) % 12);
      const units = Object.fromEntries(withAnswers.map((code) => [code, { s: { s5: n(code), s2: Math.floor(random() * 3) } }]));
      const thcs = Object.fromEntries(withAnswers.filter(() => random() < 0.5).map((code) => [code, units[code]!]));
      const blanks = Object.fromEntries(withAnswers.filter(() => random() < 0.3).map((code) => [code, { s: { q1: Math.floor(random() * 6) } }]));
      const month = Object.freeze({
        period: '2026-11',
        respondents: 0,
        blanksKnown: 0,
        surveys: { s: { scale: 5, items: {} } },
        units,
        ratedUnits: Object.fromEntries(withAnswers.filter(() => random() < 0.4).map((code) => [code, { s: { s5: 1 } }])),
        partialUnits: Object.fromEntries(Object.entries(blanks).map(([code, b]) => [code, b.s.q1])),
        byLevel: { thcs: { respondents: 0, surveys: {}, units: thcs, levels: {}, districts: {} } },
      }) as RootMonth;
      const k = 3 + Math.floor(random() * 4);
      const questions = new Map([['s', ['q1', 'q2']]]);
      const ask = (data: RootMonth, scope: string, differs: boolean, level: boolean) => {
        const input = {
          rootMonths: [data],
          periods: ['2026-11'],
          scope,
          root: 'R',
          units: directory,
          k,
          questions,
          questionLevels: level,
          differs: () => differs,
        };
        const first = publicationOf(input);
        const p = first.blanksNeeded.length ? publicationOf({ ...input, blanks: new Map([['2026-11', blanks]]) }) : first;
        return {
          scope: p.scope,
          month: [p.month('2026-11'), p.month('2026-11', 'thcs'), p.month('2026-11', 'none')],
          levels: [p.level('thcs'), p.level('none')],
          units: [...directory.keys()].map((code) => p.unitRow(code)),
          districts: [p.district('D1'), p.district('D2')],
          rated: p.rated,
          needed: first.blanksNeeded,
          questions: [p.question('q1'), p.question('q2'), ...(level ? [p.question('q1', 'thcs'), p.question('q1', 'none')] : [])],
        };
      };
      for (const scope of directory.keys()) {
        for (const differs of [false, true]) {
          for (const level of [false, true]) {
            const fresh = ask(structuredClone(month), scope, differs, level);
            expect([round, scope, differs, level, ask(month, scope, differs, level)]).toEqual([round, scope, differs, level, fresh]);
          }
        }
      }
    }
  });
});
