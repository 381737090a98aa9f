import { emptyFigureData, packFigures, unpackFigures, type FigureData } from '../../src/figures/figure.model';

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
