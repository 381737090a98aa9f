import { statusOf, wilson95, type Status } from '../stats/formulas';
import type { DossierFigureDoc } from './dossier-figures';

/** The on-time formula, printed next to every such figure (domain.md, "Since the plan was written"). */
export const ON_TIME_FORMULA = {
  id: 'dossier-on-time',
  version: '1.0',
  text: {
    vi: 'Tỷ lệ hồ sơ TTHC giải quyết đúng hạn = số hồ sơ trả kết quả đến hết ngày hẹn trả chia cho số hồ sơ đã trả trong tháng cộng số hồ sơ chưa trả đã quá hạn (tính vào tháng đến hạn). Khoảng tin cậy 95% theo phương pháp Wilson.',
    en: 'TTHC dossiers on time = dossiers returned by the end of their due date divided by dossiers returned in the month plus dossiers still open past their due date (counted in the month they fell due). 95% Wilson score interval.',
  },
} as const;

export interface OnTimeMonth {
  period: string;
  n: number;
  onTime: number;
  share: number | null;
  target: number | null;
}

export interface OnTimeStats {
  headline: { n: number; onTime: number; share: number | null; ci95: [number, number] | null; target: number | null; status: Status };
  byMonth: OnTimeMonth[];
  /** returned dossiers rated through a survey answer, and their share of the returned */
  rated: { n: number; share: number | null };
  formula: typeof ON_TIME_FORMULA;
}

/**
 * On-time figures of one scope over `periods` from its figure documents (at most one per period), as of `now`:
 * n counts the dossiers returned in a month plus those still open whose due time has passed. Pure.
 */
export function onTimeStats(docs: readonly DossierFigureDoc[], periods: readonly string[], now: Date, targetOf: (period: string) => number | null, minN = 30): OnTimeStats {
  const byPeriod = new Map(docs.map((d) => [d.period, d]));
  let n = 0;
  let onTime = 0;
  let returned = 0;
  let rated = 0;
  const byMonth = periods.map((period) => {
    const doc = byPeriod.get(period);
    const lateOpen = doc ? doc.openDue.filter((due) => due < now.getTime()).length : 0;
    const month = { period, n: (doc?.returned ?? 0) + lateOpen, onTime: doc?.onTime ?? 0 };
    n += month.n;
    onTime += month.onTime;
    returned += doc?.returned ?? 0;
    rated += doc?.rated ?? 0;
    return { ...month, share: month.n ? month.onTime / month.n : null, target: targetOf(period) };
  });
  const target = targetOf(periods[periods.length - 1]!);
  return {
    headline: { n, onTime, share: n ? onTime / n : null, ci95: wilson95(onTime, n), target, status: target === null ? 'insufficient' : statusOf(onTime, n, target, minN) },
    byMonth,
    rated: { n: rated, share: returned ? rated / returned : null },
    formula: ON_TIME_FORMULA,
  };
}
