import { dossierStats } from '../dossiers/dossier-stats';
import type { Models } from '../models';
import type { Settles } from '../projector/ports';
import { periodOf, shiftPeriod } from '../responses/period';
import type { Status } from '../stats/formulas';
import { latestInstruments } from '../stats/instruments';
import { computeStats } from '../stats/stats.service';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Unit } from '../units/unit.model';
import type { TrendPoint } from './trend-svg';

/**
 * The figures the public sees (issue #27), for one published unit: the three targets of the plan (education and
 * TTHC satisfaction, dossiers on time) over the last 12 months and by quarter. Each comes from the same function the
 * dashboard and the API use (computeStats, dossierStats), so the disclosure rule that governs them governs these:
 * a figure shows its share only for a union of whole atoms of at least k answers, and a range only when every month
 * of it is published (docs/reliability.md, "Small cells and subtraction"). Twelve months minus a quarter, or one
 * quarter minus another, is then a union of published months, never a hidden count. Only today's tree is shown.
 * No free text, contact or answer is read.
 */
export type OpenKind = 'education' | 'tthc' | 'dossiers';

export interface OpenFigure {
  unit: { code: string; name: string };
  kind: OpenKind;
  /** `12m`, or a quarter `YYYY-Qn` (a quarter not yet over, or begun before the range, counts its months in it) */
  period: string;
  from: string;
  to: string;
  n: number;
  share: number | null;
  ci95: [number, number] | null;
  target: number | null;
  targetSource: string | null;
  status: Status;
}

export interface OpenRange {
  from: string;
  to: string;
  /** 12m first, then the quarters, oldest first */
  periods: { label: string; from: string; to: string }[];
}

/** The last 12 months ending with the current one, and the quarters they fall in (clipped to them). */
export function openRange(now: Date): OpenRange {
  const to = periodOf(now);
  const from = shiftPeriod(to, -11);
  const quarters: OpenRange['periods'] = [];
  for (let i = 0; i < 12; i++) {
    const month = shiftPeriod(from, i);
    const label = `${month.slice(0, 4)}-Q${Math.floor((Number(month.slice(5, 7)) - 1) / 3) + 1}`;
    const last = quarters.at(-1);
    if (last?.label === label) last.to = month;
    else quarters.push({ label, from: month, to: month });
  }
  return { from, to, periods: [{ label: '12m', from, to }, ...quarters] };
}

export const OPEN_KINDS: readonly OpenKind[] = ['education', 'tthc', 'dossiers'];

/** Every figure of one unit over these periods (12 months first, then quarters): each kind; and each kind's months. */
export async function unitFigures(
  deps: { models: Models; catalog: SurveyCatalog; projector: Settles; k: number },
  unit: Unit,
  periods: OpenRange['periods'],
  now: Date,
): Promise<{ figures: OpenFigure[]; trends: Record<OpenKind, TrendPoint[]> }> {
  const { models, k } = deps;
  const instruments = await latestInstruments(deps.catalog);
  const out: OpenFigure[] = [];
  const trends: Record<OpenKind, TrendPoint[]> = { education: [], tthc: [], dossiers: [] };
  for (const period of periods) {
    const base = { unit: { code: unit.code, name: unit.name }, period: period.label, from: period.from, to: period.to };
    for (const kind of ['education', 'tthc'] as const) {
      const stats = await computeStats(models, { kind, unit, from: period.from, to: period.to, k, minN: 30 }, instruments, deps.projector);
      const { n, share, ci95, target, targetSource, status } = stats.headline;
      out.push({ ...base, kind, n, share, ci95, target, targetSource, status });
      // The months as the dashboard shows them: hidden where the rule hides them.
      if (period.label === '12m') trends[kind] = stats.byMonth.map((m) => ({ period: m.period, share: m.share, ci95: m.ci95 }));
    }
    const stats = await dossierStats(models, { unit, from: period.from, to: period.to, minN: 30, k }, now, deps.projector);
    const dossiers = stats.headline;
    // Dossiers are records, not people; below k they are shown as the answers are, by n alone, all the same.
    const small = dossiers.n > 0 && dossiers.n < k;
    if (period.label === '12m') trends.dossiers = stats.byMonth.map((m) => ({ period: m.period, share: m.n >= k ? m.share : null, ci95: null }));
    out.push({
      ...base,
      kind: 'dossiers',
      n: dossiers.n,
      share: small ? null : dossiers.share,
      ci95: small ? null : dossiers.ci95,
      target: dossiers.target,
      targetSource: dossiers.targetSource,
      status: small ? 'insufficient' : dossiers.status,
    });
  }
  return { figures: out, trends };
}
