import { emptyFigureData, packFigures, unpackFigures, type FigureData } from '../../src/figures/figure.model';
import { decodedFigures, decodedHeld } from '../../src/figures/decoded-figures';

describe('packed figure documents', () => {
  const figures: FigureData = {
    ...emptyFigureData(),
    respondents: 3,
    surveys: { 'edu-parent': { scale: 5, items: { overall: { s5: 2, s4: 1 } } } },
    units: { 'TH-01': { 'edu-parent': { s5: 2, s4: 1 } } },
    levels: { tieu_hoc: { 'edu-parent': { s5: 2, s4: 1 } } },
  };

  it('when figures are packed, then they come back equal, in a string far shorter than their JSON', () => {
    // A province month repeats the same keys hundreds of times; the test repeats a unit to get that shape.
    const big = { ...figures, units: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`TH-${i}`, { 'edu-parent': { s5: i, s4: 1 } }])) };
    const packed = packFigures(big);
    expect(unpackFigures({ data: packed })).toEqual(big);
    expect(packed.length).toBeLessThan(JSON.stringify(big).length / 3);
  });

  it('when a document was written as plain JSON by an earlier version, then it is still read', () => {
    expect(unpackFigures({ data: JSON.stringify(figures) })).toEqual(figures);
  });

  it('when fields are missing from a stored document, then they read as empty', () => {
    expect(unpackFigures({ data: packFigures({ respondents: 1 } as FigureData) })).toEqual({ ...emptyFigureData(), respondents: 1 });
  });
});

describe('figure documents decoded for reading (decoded-figures.ts)', () => {
  const doc = (id: string, data: FigureData) => ({ _id: id, data: packFigures(data) });
  const month = (n: number): FigureData => ({ ...emptyFigureData(), respondents: n, units: { a: { s: { s5: n } } } });

  it('when the same stored string is read again, then the same object comes back; when it changed, then the new figures', () => {
    const first = decodedFigures(doc('2026-11|education|R|*', month(3)));
    expect(decodedFigures(doc('2026-11|education|R|*', month(3)))).toBe(first);
    const changed = decodedFigures(doc('2026-11|education|R|*', month(4)));
    expect(changed).not.toBe(first);
    expect(changed.respondents).toBe(4);
    expect(decodedFigures(doc('2026-11|education|R|*', month(3)))).not.toBe(changed);
  });

  it('when a reader tries to change what it was given, then it throws, and the next reader gets the figures as stored', () => {
    const stored = doc('2026-10|education|R|*', month(7));
    const figures = decodedFigures(stored);
    expect(() => {
      (figures.units.a!.s as Record<string, number>).s5 = 99;
    }).toThrow(TypeError);
    expect(() => {
      figures.respondents = 0;
    }).toThrow(TypeError);
    expect(decodedFigures(stored).units.a!.s!.s5).toBe(7);
  });

  it('when more is read than the budget holds, then the least recently used months are dropped and what is held stays within it', () => {
    // About 1 MB of JSON each (6 MB of heap counted), so 12 of them overflow the 32 MB budget.
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647);
    const noisy = (): FigureData => ({
      ...emptyFigureData(),
      units: Object.fromEntries(Array.from({ length: 40_000 }, (_, u) => [`u${u}`, { s: { s5: random() } }])),
    });
    const kept = doc('kept', month(1));
    const keptFigures = decodedFigures(kept);
    const big = Array.from({ length: 12 }, (_, i) => doc(`big-${i}`, noisy()));
    const first = big.map((d) => {
      const figures = decodedFigures(d);
      expect(decodedFigures(kept)).toBe(keptFigures); // used each time: never the least recent
      expect(decodedHeld().size).toBeLessThanOrEqual(32 * 1024 * 1024);
      return figures;
    });
    expect(decodedFigures(big[11]!)).toBe(first[11]); // the most recent are held
    const again = decodedFigures(big[0]!); // the first were dropped: decoded afresh, equal
    expect(again).not.toBe(first[0]);
    expect(again).toEqual(first[0]);
  });
});
