import fc from 'fast-check';
import { dayOf, periodOf, periodRange, shiftPeriod } from '../../src/responses/period';

describe('periods in Asia/Ho_Chi_Minh', () => {
  it('when an answer arrives at 17:30 UTC on the last day of a month, then it counts in the next month', () => {
    expect(periodOf(new Date('2026-03-31T17:30:00Z'))).toBe('2026-04');
    expect(periodOf(new Date('2026-03-31T16:59:59Z'))).toBe('2026-03');
    expect(dayOf(new Date('2026-12-31T17:00:00Z'))).toBe('2027-01-01');
  });

  it('when any instant from 1980 to 2100 is placed, then month and day match the time zone database', () => {
    const zone = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const date = new Date(ms);
        expect(dayOf(date)).toBe(zone.format(date));
        expect(periodOf(date)).toBe(zone.format(date).slice(0, 7));
      }),
      { numRuns: 2000 },
    );
  });

  it('when a period is shifted across a year, then the year changes', () => {
    expect(shiftPeriod('2026-01', -1)).toBe('2025-12');
    expect(shiftPeriod('2025-12', 13)).toBe('2027-01');
    expect(periodRange('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
});
