import type { Models } from '../models';
import { onTimeFigures, dossierStatsByUnit, byConcern } from '../dossiers/dossier-stats';
import type { Status } from '../stats/formulas';
import { latestInstruments } from '../stats/instruments';
import { parseStatsQuery } from '../stats/stats-query';
import { computeStats, type StatsResult } from '../stats/stats.service';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Principal } from '../access/scope';
import { sparkline, type Sparkline } from './sparkline';
import type { Settles } from '../projector/ports';

export type TileId = 'education' | 'tthc' | 'dossiers';

/** A unit under the scope with its figure for the tile's months. */
export interface TileUnit {
  code: string;
  name: string;
  n: number;
  share: number | null;
  ci95: [number, number] | null;
  status: Status;
  /** hidden under the small-cell threshold (surveys only) */
  suppressed: boolean;
}

/** One of the plan's three targets for the caller's units over the last 12 months. */
export interface OverviewTile {
  id: TileId;
  headline: {
    n: number;
    share: number | null;
    ci95: [number, number] | null;
    target: number | null;
    targetSource: string | null;
    status: Status;
    suppressed: boolean;
  };
  months: Array<{ period: string; share: number | null }>;
  trend: Sparkline;
  /**
   * Units with their own figure, those whose whole interval lies below the target first: for the surveys the units
   * answered for (the dashboard's "by unit"), for dossiers the units directly under the scope with their subtrees.
   */
  units: TileUnit[];
  /** the page with the whole figure (none yet for dossiers) */
  detail: string | null;
}

export interface Overview {
  unit: { code: string; name: string };
  from: string;
  to: string;
  tiles: OverviewTile[];
  /** as `/api/v1/stats` gives it (units/rechain-state.ts) */
  recomputing: StatsResult['recomputing'];
}

/**
 * The admin's first page: education-service satisfaction, TTHC satisfaction and dossiers on time, each exactly
 * as `/api/v1/stats?kind=…` and `/api/v1/dossier-stats` give it with their defaults (the caller's units, the last
 * 12 months): the same functions, the same query.
 */
export async function buildOverview(models: Models, catalog: SurveyCatalog, projector: Settles, principal: Principal, now: Date, k: number): Promise<Overview> {
  const instruments = await latestInstruments(catalog);
  let recomputing: StatsResult['recomputing'] = null;
  const surveyTile = async (kind: 'education' | 'tthc'): Promise<OverviewTile> => {
    const query = await parseStatsQuery(models, principal, { kind }, now, { k });
    const stats = await computeStats(models, query, instruments, projector);
    recomputing ??= stats.recomputing;
    const h = stats.headline;
    const months = stats.byMonth.map((m) => ({ period: m.period, share: m.share }));
    return {
      id: kind,
      headline: { n: h.n, share: h.share, ci95: h.ci95, target: h.target, targetSource: h.targetSource, status: h.status, suppressed: h.suppressed },
      months,
      trend: sparkline(
        months.map((m) => m.share),
        h.target,
      ),
      units: stats.byUnit
        .map((u) => ({ code: u.key, name: u.label.vi, n: u.n, share: u.share, ci95: u.ci95, status: u.status, suppressed: u.suppressed }))
        .sort(byConcern),
      detail: `/admin/dashboard?${new URLSearchParams({ kind, unit: query.unit.code }).toString()}`,
    };
  };
  const query = await parseStatsQuery(models, principal, {}, now, { k });
  const dossierTile = async (): Promise<OverviewTile> => {
    const stats = await onTimeFigures(models, query, now);
    const h = stats.headline;
    const months = stats.byMonth.map((m) => ({ period: m.period, share: m.share }));
    const units = await dossierStatsByUnit(models, query, now);
    return {
      id: 'dossiers',
      headline: { n: h.n, share: h.share, ci95: h.ci95, target: h.target, targetSource: h.targetSource, status: h.status, suppressed: false },
      months,
      trend: sparkline(
        months.map((m) => m.share),
        h.target,
      ),
      units: units.map((u) => ({ ...u, suppressed: false })),
      detail: null,
    };
  };
  const tiles = await Promise.all([surveyTile('education'), surveyTile('tthc'), dossierTile()]);
  return { unit: { code: query.unit.code, name: query.unit.name }, from: query.from, to: query.to, tiles, recomputing };
}
