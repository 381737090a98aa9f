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
  headline: {
    n: number;
    onTime: number;
    share: number | null;
    ci95: [number, number] | null;
    target: number | null;
    targetSource: string | null;
    status: Status;
  };
  byMonth: OnTimeMonth[];
  /** returned dossiers rated through a survey answer, and their share of the returned */
  rated: { n: number; share: number | null };
  formula: typeof ON_TIME_FORMULA;
}

/**
 * On-time figures of one scope over `periods` from its figure documents (at most one per period), as of `now`:
 * n counts the dossiers returned in a month plus those still open whose due time has passed. Pure.
 */
export function onTimeStats(
  docs: readonly DossierFigureDoc[],
  periods: readonly string[],
  now: Date,
  targetOf: (period: string) => number | null,
  minN = 30,
  sourceOf: (period: string) => string | null = () => null,
): OnTimeStats {
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
    headline: {
      n,
      onTime,
      share: n ? onTime / n : null,
      ci95: wilson95(onTime, n),
      target,
      targetSource: sourceOf(periods[periods.length - 1]!),
      status: target === null ? 'insufficient' : statusOf(onTime, n, target, minN),
    },
    byMonth,
    rated: { n: rated, share: returned ? rated / returned : null },
    formula: ON_TIME_FORMULA,
  };
}

/** One row of an on-time breakdown (a procedure or a channel) over the range. */
export interface OnTimeRow {
  key: string;
  label: string;
  n: number;
  onTime: number;
  share: number | null;
  ci95: [number, number] | null;
}

/**
 * The range's on-time figures by procedure and by channel, counted like the headline: the dossiers returned in
 * each month plus those still open past their due time as of `now`. Lowest share first. Pure.
 */
export function onTimeBreakdowns(docs: readonly DossierFigureDoc[], now: Date): { byProcedure: OnTimeRow[]; byChannel: OnTimeRow[] } {
  const procedures = new Map<string, { label: string; n: number; onTime: number }>();
  const channels = new Map<string, { label: string; n: number; onTime: number }>();
  const add = (rows: Map<string, { label: string; n: number; onTime: number }>, key: string, label: string, n: number, onTime: number) => {
    const row = rows.get(key) ?? { label, n: 0, onTime: 0 };
    row.n += n;
    row.onTime += onTime;
    rows.set(key, row);
  };
  for (const doc of docs) {
    for (const p of doc.procedures ?? []) add(procedures, p.code, p.name, p.returned, p.onTime);
    for (const c of doc.channels ?? []) add(channels, c.channel, c.channel, c.returned, c.onTime);
    for (const w of doc.watch ?? []) {
      if (w.returnedAt !== undefined || w.dueAt >= now.getTime()) continue;
      add(procedures, w.procedureCode, w.procedureName, 1, 0);
      add(channels, w.channel, w.channel, 1, 0);
    }
  }
  const rows = (map: Map<string, { label: string; n: number; onTime: number }>): OnTimeRow[] =>
    [...map]
      .map(([key, r]) => ({ key, label: r.label, n: r.n, onTime: r.onTime, share: r.n ? r.onTime / r.n : null, ci95: wilson95(r.onTime, r.n) }))
      .sort((a, b) => (a.share ?? 2) - (b.share ?? 2) || b.n - a.n);
  return { byProcedure: rows(procedures), byChannel: rows(channels) };
}

/** A late dossier as the list shows it: returned after its due time, or still open past it as of `now`. */
export interface LateDossier {
  unitCode: string;
  procedureCode: string;
  procedureName: string;
  channel: string;
  receivedAt: Date;
  dueAt: Date;
  returnedAt: Date | null;
  /** whole days past the due time, at return or as of now */
  daysLate: number;
  apologySent: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

/** Every late dossier of the range, the most overdue open ones first, then the returned ones, latest due first. Pure. */
export function lateDossiers(docs: readonly DossierFigureDoc[], now: Date): LateDossier[] {
  const late: LateDossier[] = [];
  for (const doc of docs) {
    for (const w of doc.watch ?? []) {
      const end = w.returnedAt ?? now.getTime();
      if (end <= w.dueAt) continue;
      late.push({
        unitCode: w.unitCode,
        procedureCode: w.procedureCode,
        procedureName: w.procedureName,
        channel: w.channel,
        receivedAt: new Date(w.receivedAt),
        dueAt: new Date(w.dueAt),
        returnedAt: w.returnedAt === undefined ? null : new Date(w.returnedAt),
        daysLate: Math.ceil((end - w.dueAt) / DAY_MS),
        apologySent: w.apologySent,
      });
    }
  }
  return late.sort(
    (a, b) =>
      Number(a.returnedAt !== null) - Number(b.returnedAt !== null) ||
      (a.returnedAt === null ? b.daysLate - a.daysLate : b.dueAt.getTime() - a.dueAt.getTime()),
  );
}
