/**
 * Dates of the one-stop system's export: ISO 8601, a date (`2026-03-14`) or a date-time (`2026-03-14T09:30`,
 * seconds and an offset optional). Without an offset the time is Asia/Ho_Chi_Minh (UTC+7 all year). A date alone
 * is the start of that day, except for a due date, which is its end: a dossier returned on its due day is on time.
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const VIETNAM = '+07:00';

export type DayPart = 'start' | 'end';

/** The instant, or undefined when the text is not such a date or names a day that does not exist. */
export function parseDossierDate(text: string, dateAlone: DayPart): Date | undefined {
  const day = DATE.exec(text);
  if (day) {
    const start = validDay(day[1]!, day[2]!, day[3]!) ? new Date(`${text}T00:00:00${VIETNAM}`) : undefined;
    return start && dateAlone === 'end' ? new Date(start.getTime() + 24 * 3600_000 - 1) : start;
  }
  const m = DATE_TIME.exec(text);
  if (!m || !validDay(m[1]!, m[2]!, m[3]!) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return undefined;
  const offset = m[8] === undefined ? VIETNAM : m[8] === 'Z' ? 'Z' : m[8].includes(':') ? m[8] : `${m[8].slice(0, 3)}:${m[8].slice(3)}`;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}.${(m[7] ?? '0').padEnd(3, '0')}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function validDay(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}
