import { suppressed } from '../../src/stats/formulas';
import { complementSuppress, type Hideable } from '../../src/stats/suppression';

const K = 5;
/** A cell as computeStats builds it: primary suppression already applied. */
const cell = (key: string, n: number, satisfied = n): Hideable & { key: string } => {
  const hidden = suppressed(n, K);
  return {
    key,
    n,
    satisfied: hidden ? null : satisfied,
    share: hidden ? null : satisfied / n,
    ci95: hidden ? null : [0, 1],
    mean: hidden ? null : 4,
    suppressed: hidden,
  };
};
const hiddenKeys = (cells: (Hideable & { key: string })[]) => cells.filter((c) => c.suppressed).map((c) => c.key);

describe('complementary suppression', () => {
  it('when exactly one cell is hidden, then the smallest other visible cell is hidden too, with its share, mean and interval', () => {
    const out = complementSuppress([cell('A', 40), cell('B', 12), cell('C', 2), cell('D', 30)], K);
    expect(hiddenKeys(out)).toEqual(['B', 'C']);
    expect(out[1]).toMatchObject({ n: 12, satisfied: null, share: null, ci95: null, mean: null, suppressed: true });
  });

  it('when the hidden cells together still hold fewer than k answers, then more are hidden until they hold k', () => {
    expect(hiddenKeys(complementSuppress([cell('A', 40), cell('B', 1), cell('C', 2), cell('D', 30)], K))).toEqual(['B', 'C', 'D']);
  });

  it('when two hidden cells hold k answers or more, or nothing is hidden, then nothing else is hidden', () => {
    expect(hiddenKeys(complementSuppress([cell('A', 40), cell('B', 2), cell('C', 3)], K))).toEqual(['B', 'C']);
    expect(hiddenKeys(complementSuppress([cell('A', 40), cell('B', 5)], K))).toEqual([]);
  });

  it('when the only other cells are empty, then they are not counted as hiding anything and nothing breaks', () => {
    expect(hiddenKeys(complementSuppress([cell('A', 3), cell('B', 0)], K))).toEqual(['A']);
  });

  it('when a cell is to be kept visible where possible, then a larger cell is hidden instead', () => {
    const out = complementSuppress([cell('2026-09', 3), cell('2026-10', 8), cell('2026-08', 50)], K, (c) => c.key === '2026-10');
    expect(hiddenKeys(out)).toEqual(['2026-09', '2026-08']);
  });
});
