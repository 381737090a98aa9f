/**
 * Reporting periods are calendar months in Vietnam's time zone (Asia/Ho_Chi_Minh, UTC+7 all year, no DST),
 * so a response at 23:30 UTC on 31 March counts in April.
 */
const periodFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit' });
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' });

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** "YYYY-MM" of the instant in Asia/Ho_Chi_Minh. */
export function periodOf(date: Date): string {
  const parts = periodFormat.formatToParts(date);
  const year = parts.find((p) => p.type === 'year')!.value;
  const month = parts.find((p) => p.type === 'month')!.value;
  return `${year}-${month}`;
}

/** "YYYY-MM-DD" of the instant in Asia/Ho_Chi_Minh. */
export function dayOf(date: Date): string {
  return dayFormat.format(date);
}

/** The period `offset` months after `period` (negative goes back). */
export function shiftPeriod(period: string, offset: number): string {
  const match = PERIOD_PATTERN.exec(period);
  if (!match) throw new Error(`not a period: ${period}`);
  const index = Number(match[1]) * 12 + Number(match[2]) - 1 + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Every period from `from` to `to` inclusive, oldest first. */
export function periodRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let p = from; p <= to; p = shiftPeriod(p, 1)) out.push(p);
  return out;
}
