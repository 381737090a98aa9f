import { statusOf, summarizeCounts, suppressed, wilson95 } from '../../src/stats/formulas';

/** Expected values worked out by hand with z = 1.959964 (Wilson: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)). */
describe('satisfaction formulas', () => {
  it('when n = 0, then there is no share, no interval and the status is insufficient', () => {
    expect(wilson95(0, 0)).toBeNull();
    expect(statusOf(0, 0, 0.85)).toBe('insufficient');
    expect(summarizeCounts({}, 5)).toEqual({ n: 0, satisfied: 0, share: null, mean: null });
  });

  it('when 40 of 40 are satisfied, then the interval is [0.9124, 1] and the target is met', () => {
    const [low, high] = wilson95(40, 40)!;
    expect(low).toBeCloseTo(0.91238, 4); // n/(n+z²) = 40/43.8415
    expect(high).toBe(1);
    expect(statusOf(40, 40, 0.85)).toBe('met');
  });

  it('when 60 of 100 are satisfied against 85%, then the upper bound 0.6906 is under target: below', () => {
    const [low, high] = wilson95(60, 100)!;
    expect(low).toBeCloseTo(0.50201, 4);
    expect(high).toBeCloseTo(0.6906, 4);
    expect(statusOf(60, 100, 0.85)).toBe('below');
  });

  it('when 26 of 32 are satisfied against 85%, then the share 0.8125 is under target but the interval reaches it: uncertain', () => {
    const [low, high] = wilson95(26, 32)!;
    expect(low).toBeCloseTo(0.64687, 3);
    expect(high).toBeCloseTo(0.91109, 3);
    expect(statusOf(26, 32, 0.85)).toBe('uncertain');
  });

  it('when fewer than 30 answered, then the status is insufficient even if all are satisfied', () => {
    expect(statusOf(29, 29, 0.85)).toBe('insufficient');
    expect(statusOf(29, 29, 0.85, 20)).toBe('met');
  });

  it('when the share equals the target exactly, then it is met', () => {
    expect(statusOf(85, 100, 0.85)).toBe('met');
  });

  it('when counts are summarized on a 5-level scale, then 4 and 5 are the top two and the mean is weighted', () => {
    expect(summarizeCounts({ s1: 1, s3: 2, s4: 3, s5: 4 }, 5)).toEqual({ n: 10, satisfied: 7, share: 0.7, mean: 3.9 });
  });

  it('when counts are summarized on the 3-level quick rating, then levels 2 and 3 are satisfied', () => {
    expect(summarizeCounts({ s1: 2, s2: 5, s3: 3 }, 3)).toEqual({ n: 10, satisfied: 8, share: 0.8, mean: 2.1 });
  });

  it('when a cell has between 1 and k-1 answers, then it is suppressed; 0 and k are shown', () => {
    expect([0, 1, 4, 5].map((n) => suppressed(n))).toEqual([false, true, true, false]);
  });
});
