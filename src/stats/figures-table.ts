import type { StatsResult } from './stats.service';

/**
 * The figures of a StatsResult flattened to rows, one per cell of every breakdown, so CSV and XLSX exports
 * carry exactly the numbers the API and the dashboard show (same computeStats call, same filter). A type, not an
 * interface: a row goes into an XLSX sheet as a record of cell values, and an interface never passes for a record
 * (declaration merging could add keys of any type).
 */
export type FigureRow = {
  breakdown: string;
  key: string;
  label: string;
  n: number;
  satisfied: number | null;
  share: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  mean: number | null;
  suppressed: boolean;
  target: number | null;
  status: string | null;
};

type HeadlineLike = StatsResult['headline'] | StatsResult['byMonth'][number];

/** A row for a headline-shaped figure (the scope's headline, or one month of the trend). */
export function headlineRow(breakdown: string, key: string, label: string, h: HeadlineLike): FigureRow {
  return {
    breakdown,
    key,
    label,
    n: h.n,
    satisfied: h.satisfied,
    share: h.share,
    ciLow: h.ci95?.[0] ?? null,
    ciHigh: h.ci95?.[1] ?? null,
    mean: h.mean,
    suppressed: 'suppressed' in h ? h.suppressed : false,
    target: h.target,
    status: h.status,
  };
}

export function figureRows(stats: StatsResult, lang: 'vi' | 'en' = 'vi'): FigureRow[] {
  const rows: FigureRow[] = [headlineRow('headline', stats.scope.unit.code, stats.scope.unit.name, stats.headline)];
  for (const m of stats.byMonth) {
    rows.push({ breakdown: 'month', key: m.period, label: m.period, ...cellOf(m), target: m.target, status: m.status });
  }
  const groups = [
    ['unit', stats.byUnit],
    ['level', stats.byLevel],
    ['district', stats.byDistrict],
    ['section', stats.bySection],
    ['question', stats.byQuestion],
  ] as const;
  for (const [breakdown, cells] of groups) {
    for (const c of cells) {
      rows.push({ breakdown, key: c.key, label: c.label[lang], ...cellOf(c), target: null, status: 'status' in c ? c.status : null });
    }
  }
  return rows;
}

function cellOf(c: { n: number; satisfied: number | null; share: number | null; ci95: [number, number] | null; mean: number | null; suppressed: boolean }) {
  return { n: c.n, satisfied: c.satisfied, share: c.share, ciLow: c.ci95?.[0] ?? null, ciHigh: c.ci95?.[1] ?? null, mean: c.mean, suppressed: c.suppressed };
}

export const FIGURE_COLUMNS: { key: keyof FigureRow; header: string; numFmt?: string }[] = [
  { key: 'breakdown', header: 'Nhóm / breakdown' },
  { key: 'key', header: 'Mã / key' },
  { key: 'label', header: 'Tên / name' },
  { key: 'n', header: 'n' },
  { key: 'satisfied', header: 'Hài lòng / satisfied' },
  { key: 'share', header: 'Tỷ lệ / share', numFmt: '0.0%' },
  { key: 'ciLow', header: 'KTC 95% thấp / CI low', numFmt: '0.0%' },
  { key: 'ciHigh', header: 'KTC 95% cao / CI high', numFmt: '0.0%' },
  { key: 'mean', header: 'Trung bình / mean', numFmt: '0.00' },
  { key: 'suppressed', header: 'Ẩn (<k) / suppressed' },
  { key: 'target', header: 'Chỉ tiêu / target', numFmt: '0.0%' },
  { key: 'status', header: 'Trạng thái / status' },
];
