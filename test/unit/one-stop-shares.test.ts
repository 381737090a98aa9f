import { noOneStopCounts, type DossierFigureDoc, type OneStopCounts } from '../../src/dossiers/dossier-figure.model';
import { oneStopShares } from '../../src/dossiers/one-stop-shares';
import { DEFAULT_SERVICE_INDEX, serviceIndex } from '../../src/dossiers/service-index';

const doc = (period: string, counts: Partial<OneStopCounts> | undefined): DossierFigureDoc => ({
  _id: `${period}|SGD`,
  period,
  scope: 'SGD',
  returned: 0,
  onTime: 0,
  rated: 0,
  openDue: [],
  ...(counts ? { oneStop: { ...noOneStopCounts(), ...counts } } : {}),
});

const TARGETS = { online: 0.5, paidOnline: 0.3, digitised: 0.9 } as const;
const targets = { value: (kind: keyof typeof TARGETS) => TARGETS[kind], source: () => 'kế hoạch' };

describe('oneStopShares', () => {
  it('when the months are summed, then each share has its status against its target: below, met and uncertain', () => {
    // Online 10 of 40: 25%, Wilson upper bound 40.4% < 50%: below. Paid online 20 of 50: 40% ≥ 30%: met.
    // Digitised 85 of 100: 85% < 90%, upper bound 90.7% ≥ 90%: uncertain.
    const shares = oneStopShares(
      [
        doc('2026-01', { received: 30, online: 6, withFee: 20, paidOnline: 8, digitisedKnown: 60, digitised: 50, complaintKnown: 60, complaints: 3 }),
        doc('2026-02', { received: 10, online: 4, withFee: 30, paidOnline: 12, digitisedKnown: 40, digitised: 35, complaintKnown: 40, complaints: 2 }),
        // A month recounted before the counts existed adds nothing.
        doc('2026-03', undefined),
      ],
      ['2026-01', '2026-02', '2026-03'],
      targets,
    );
    expect(shares.online).toMatchObject({ received: 40, online: 10, share: 0.25, status: 'below' });
    expect(shares.online.ci95![1]).toBeLessThan(0.5);
    expect(shares.paidOnline).toMatchObject({ withFee: 50, paidOnline: 20, share: 0.4, status: 'met' });
    expect(shares.digitised).toMatchObject({ returned: 100, digitised: 85, share: 0.85, status: 'uncertain' });
    expect(shares.digitised.ci95![1]).toBeGreaterThan(0.9);
    expect(shares.complaints).toMatchObject({ n: 100, complaints: 5, share: 0.05 });
    expect(shares.online.byMonth).toEqual([
      { period: '2026-01', n: 30, share: 0.2 },
      { period: '2026-02', n: 10, share: 0.4 },
      { period: '2026-03', n: 0, share: null },
    ]);
  });

  it('when a share has no base, then it has no share, no interval and too few to conclude', () => {
    const shares = oneStopShares([], ['2026-01'], targets);
    expect(shares.paidOnline).toEqual({ withFee: 0, paidOnline: 0, share: null, ci95: null, target: 0.3, targetSource: 'kế hoạch', status: 'insufficient' });
  });
});

describe('serviceIndex', () => {
  it('when a rate passes its threshold, then the group has its full points and no more; below, rate × points ÷ threshold', () => {
    const index = serviceIndex({ onTime: 0.99, online: 0.8, paidOnline: 0.4, digitised: 0.2, complaints: 0.01 }, DEFAULT_SERVICE_INDEX);
    expect(index.groups.map((g) => [g.id, g.points])).toEqual([
      ['progress', expect.closeTo(19.8, 10)],
      ['online', 12],
      ['payment', 5],
      // 100% − (1% overdue + 1% complaints) = 98% ≥ 90%.
      ['satisfaction', 18],
      ['digitisation', 5.5],
    ]);
    expect(index.points).toBeCloseTo(60.3, 10);
    expect(index.max).toBe(82);
  });

  it('when overdue and complaint shares together pass 100%, then the satisfaction rate is 0, not negative; a missing rate scores nothing', () => {
    const index = serviceIndex({ onTime: 0.3, online: null, paidOnline: null, digitised: null, complaints: 0.5 }, DEFAULT_SERVICE_INDEX);
    expect(index.groups.find((g) => g.id === 'satisfaction')).toMatchObject({ rate: 0, points: 0 });
    expect(index.groups.find((g) => g.id === 'online')).toMatchObject({ rate: null, points: null });
    expect(index.points).toBeCloseTo(6, 10);
  });
});
