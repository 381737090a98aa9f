/**
 * Reporting periods are calendar months in Vietnam's time zone (Asia/Ho_Chi_Minh, UTC+7 all year, no DST),
 * so a response at 23:30 UTC on 31 March counts in April.
 */
const VIETNAM_OFFSET_MS = 7 * 3600_000;
// Arithmetic instead of Intl: the zone has had one fixed offset since 1975, and this runs on every form view
// (Intl.DateTimeFormat#formatToParts showed up in the form page profile).
const vietnamIso = (date: Date) => new Date(date.getTime() + VIETNAM_OFFSET_MS).toISOString();

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** "YYYY-MM" of the instant in Asia/Ho_Chi_Minh. */
export function periodOf(date: Date): string {
  return vietnamIso(date).slice(0, 7);
}

/** "YYYY-MM-DD" of the instant in Asia/Ho_Chi_Minh. */
export function dayOf(date: Date): string {
  return vietnamIso(date).slice(0, 10);
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

/** The first day ("YYYY-MM-DD") of a period. */
export const firstDayOf = (period: string): string => `${period}-01`;

/** The day `offset` days after `day` ("YYYY-MM-DD"; calendar arithmetic, no time zone involved). */
export function shiftDay(day: string, offset: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
}

/** The last day ("YYYY-MM-DD") of a period. */
export const lastDayOf = (period: string): string => shiftDay(firstDayOf(shiftPeriod(period, 1)), -1);
