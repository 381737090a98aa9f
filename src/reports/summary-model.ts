import { translate, type Lang } from '../i18n';
import { shiftPeriod } from '../responses/period';
import { formatters } from '../stats/format';
import type { OnTimeStats } from '../dossiers/on-time';
import type { OnTimeFigures } from '../dossiers/dossier-stats';
import type { CaseMonth } from '../cases/case-service';
import { statusOf, wilson95 } from '../stats/formulas';
import type { StatsResult } from '../stats/stats.service';
import { SUMMARY_STRINGS, type SummaryStrings } from './summary-strings';
import type { TrendPoint } from './trend-chart';

export interface SummaryInput {
  period: string;
  lang: Lang;
  scopeName: string;
  /** The 12 months ending at `period`. */
  current: StatsResult;
  /** The month before `period`, computed alone. */
  previousMonth: StatsResult['headline'];
  sameMonthLastYear: StatsResult['headline'];
  newComments: number;
  dashboardUrl: string;
  /** The scope's dossiers on time over the same 12 months (`/api/v1/dossier-stats`'s figures), if it has any. */
  onTime?: OnTimeStats & Partial<Pick<OnTimeFigures, 'online' | 'paidOnline' | 'digitised' | 'serviceIndex'>>;
  /** The scope's follow-up cases of the month (cases/case-service.ts caseMonth). */
  cases?: CaseMonth;
}

/** A headline figure, already formatted for the reader's language. */
export interface FigureView {
  share: string;
  n: string;
  ci: string;
  target: string;
  status: string;
}

/** A figure before formatting. */
type FigureCell = { share: number | null; n: number; ci95: [number, number] | null; target: number | null; status: string };

export interface RankedView {
  label: string;
  share: string;
  n: string;
}

/** Everything the HTML and text parts show, formatted once so both parts carry identical figures. */
export interface SummaryView {
  s: SummaryStrings;
  scopeName: string;
  periodLabel: string;
  monthCell: MonthCell;
  month: FigureView;
  twelve: FigureView & { label: string };
  vsPrevious: string;
  vsLastYear: string;
  best: RankedView[];
  worst: RankedView[];
  sections: RankedView[];
  newComments: string;
  dashboardUrl: string;
  /** the on-time tile: the month and the 12 months; null when the scope had no dossier in the 12 months */
  onTime: { month: FigureView & { label: string }; twelve: FigureView & { label: string } } | null;
  /** the one-stop shares over the 12 months and the service index's points (issue #28); null without any dossier received */
  oneStop: { shares: Array<FigureView & { label: string }>; index: string } | null;
  /** the month's follow-up cases, formatted; null when the scope had none open or opened */
  cases: { opened: string; closed: string; overdue: string; medianToContact: string } | null;
  formula: { id: string; version: string; text: string };
  k: number;
  chartPoints: TrendPoint[];
}

export type MonthCell = StatsResult['byMonth'][number];

/** The single month `period` from the 12-month result; its interval is recomputed since a cell may omit it. */
export function monthOf(input: SummaryInput): MonthCell {
  const month = input.current.byMonth.find((m) => m.period === input.period);
  if (!month) throw new Error(`monthly summary: ${input.period} is not within ${input.current.scope.from}–${input.current.scope.to}`);
  return { ...month, ci95: month.satisfied === null ? null : wilson95(month.satisfied, month.n) };
}

type Ranked = { label: { vi: string; en: string }; share: number | null; n: number; suppressed: boolean };

export function buildSummaryView(input: SummaryInput): SummaryView {
  const { lang, current } = input;
  const s = SUMMARY_STRINGS[lang];
  const f = formatters(lang);
  const pp = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' });
  const month = monthOf(input);

  const figure = (cell: FigureCell): FigureView => ({
    share: f.pct(cell.share),
    n: f.int(cell.n),
    ci: cell.ci95 ? `${f.pct(cell.ci95[0])} – ${f.pct(cell.ci95[1])}` : '–',
    target: f.pct(cell.target),
    status: translate(lang, `status.${cell.status}`),
  });
  // Differences from unrounded shares; the other month's own figure is shown beside it so a reader can check.
  const change = (other: StatsResult['headline'], otherPeriod: string) =>
    month.share === null || other.share === null
      ? s.noData
      : `${pp.format((month.share - other.share) * 100)} ${s.points} (${f.period(otherPeriod)}: ${f.pct(other.share)})`;
  const rankedView = (c: Ranked): RankedView => ({ label: c.label[lang], share: f.pct(c.share), n: f.int(c.n) });
  const rankable = <T extends Ranked>(cells: T[]) => cells.filter((c) => !c.suppressed && c.share !== null).sort((a, b) => a.share! - b.share! || b.n - a.n);

  const units = rankable(current.byUnit);
  // Each unit appears once: with fewer than six ranked units the two lists share them out, the lowest first.
  const worst = units.slice(0, Math.min(3, Math.ceil(units.length / 2)));
  const best = units.slice(worst.length).reverse().slice(0, 3);

  return {
    s,
    scopeName: input.scopeName,
    periodLabel: f.period(input.period),
    monthCell: month,
    month: figure(month),
    twelve: { ...figure(current.headline), label: s.twelveMonths(f.period(current.scope.from), f.period(current.scope.to)) },
    vsPrevious: change(input.previousMonth, shiftPeriod(input.period, -1)),
    vsLastYear: change(input.sameMonthLastYear, shiftPeriod(input.period, -12)),
    best: best.map(rankedView),
    worst: worst.map(rankedView),
    sections: rankable(current.bySection).slice(0, 3).map(rankedView),
    newComments: f.int(input.newComments),
    dashboardUrl: input.dashboardUrl,
    onTime: onTimeView(input, figure, s),
    oneStop: oneStopView(input, figure, s),
    cases: caseView(input, s),
    formula: { id: current.formula.id, version: current.formula.version, text: lang === 'vi' ? current.formula.text : current.formula.textEn },
    k: current.settings.k,
    chartPoints: current.byMonth.map((m) => ({ label: f.period(m.period), share: m.share, target: m.target })),
  };
}

/** The on-time tile of the summary, formatted like the satisfaction figures; "too few" says dossiers, not responses. */
function onTimeView(input: SummaryInput, figure: (cell: FigureCell) => FigureView, s: SummaryStrings): SummaryView['onTime'] {
  const stats = input.onTime;
  if (!stats?.headline.n) return null;
  const f = formatters(input.lang);
  const month = stats.byMonth.find((m) => m.period === input.period);
  const monthCell = {
    n: month?.n ?? 0,
    share: month?.share ?? null,
    ci95: month?.n ? wilson95(month.onTime, month.n) : null,
    target: month?.target ?? null,
    status: statusOfCell({ onTime: month?.onTime ?? 0, n: month?.n ?? 0, target: month?.target ?? null }),
  };
  const say = (view: FigureView, status: string) => (status === 'insufficient' ? { ...view, status: s.onTimeInsufficient } : view);
  return {
    month: { ...say(figure(monthCell), monthCell.status), label: s.onTimeMonth(f.period(input.period)) },
    twelve: { ...say(figure(stats.headline), stats.headline.status), label: s.twelveMonths(f.period(stats.byMonth[0]!.period), f.period(input.period)) },
  };
}

/** The one-stop shares of the 12 months, each like the on-time figure, and the service index's total. */
function oneStopView(input: SummaryInput, figure: (cell: FigureCell) => FigureView, s: SummaryStrings): SummaryView['oneStop'] {
  const { online, paidOnline, digitised, serviceIndex } = input.onTime ?? {};
  if (!online?.received || !paidOnline || !digitised || !serviceIndex) return null;
  const f = formatters(input.lang);
  const line = (label: string, cell: FigureCell) => ({ ...figure(cell), ...(cell.status === 'insufficient' ? { status: s.onTimeInsufficient } : {}), label });
  const points = new Intl.NumberFormat(input.lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 });
  return {
    shares: [
      line(s.online, { ...online, n: online.received }),
      ...(paidOnline.withFee ? [line(s.paidOnline, { ...paidOnline, n: paidOnline.withFee })] : []),
      ...(digitised.returned ? [line(s.digitised, { ...digitised, n: digitised.returned })] : []),
    ],
    index: s.serviceIndex(points.format(serviceIndex.points), points.format(serviceIndex.max), f.period(input.period)),
  };
}

function statusOfCell(cell: { onTime: number; n: number; target: number | null }): 'met' | 'below' | 'uncertain' | 'insufficient' {
  return cell.target === null ? 'insufficient' : statusOf(cell.onTime, cell.n, cell.target);
}

/** The follow-up line: shown when the scope had any case this month or has one overdue. */
function caseView(input: SummaryInput, s: SummaryStrings): SummaryView['cases'] {
  const c = input.cases;
  if (!c || (!c.opened && !c.closed && !c.overdue)) return null;
  const f = formatters(input.lang);
  const median = c.medianHoursToContact;
  return {
    opened: f.int(c.opened),
    closed: f.int(c.closed),
    overdue: f.int(c.overdue),
    medianToContact: median === null ? s.noData : median < 48 ? s.hours(f.dec(median)) : s.days(f.dec(median / 24)),
  };
}
