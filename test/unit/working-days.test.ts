import { addWorkingDays } from '../../src/cases/working-days';

describe('addWorkingDays (Asia/Ho_Chi_Minh, Monday to Friday)', () => {
  it.each([
    // opened (UTC)            days  due: the end of that Vietnamese day (16:59:59.999 UTC)
    ['2026-10-16T03:00:00Z', 5, '2026-10-23T16:59:59.999Z'], // Friday morning -> next Friday
    ['2026-10-16T18:30:00Z', 1, '2026-10-19T16:59:59.999Z'], // Saturday 01:30 in Vietnam -> Monday
    ['2026-10-18T16:59:00Z', 1, '2026-10-19T16:59:59.999Z'], // Sunday 23:59 in Vietnam -> Monday
    ['2026-10-14T17:00:00Z', 2, '2026-10-19T16:59:59.999Z'], // Thursday 00:00 in Vietnam -> Friday, Monday
    ['2026-10-19T03:00:00Z', 10, '2026-11-02T16:59:59.999Z'], // two weeks
  ])('when a case opens at %s with %i working days, then it is due at %s', (opened, days, due) => {
    expect(addWorkingDays(new Date(opened), days).toISOString()).toBe(due);
  });
});
