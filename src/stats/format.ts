import type { Lang } from '../i18n';

/** Vietnamese number and date formats for views (comma decimals, dot thousands, dd/mm/yyyy). */
export function formatters(lang: Lang) {
  const locale = lang === 'vi' ? 'vi-VN' : 'en-GB';
  const percent = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const integer = new Intl.NumberFormat(locale);
  const date = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' });
  return {
    pct: (value: number | null | undefined) => (value === null || value === undefined ? '–' : percent.format(value)),
    dec: (value: number | null | undefined) => (value === null || value === undefined ? '–' : decimal.format(value)),
    int: (value: number | null | undefined) => (value === null || value === undefined ? '–' : integer.format(value)),
    date: (value: Date | null | undefined) => (value ? date.format(value) : '–'),
    /** "2026-03" -> "03/2026" */
    period: (period: string) => `${period.slice(5, 7)}/${period.slice(0, 4)}`,
  };
}

/** JSON for a `<script type="application/json">` block: `<` escaped so the data can never close the tag. */
export const jsonForScript = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
