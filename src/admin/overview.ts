import type { Models } from '../models';
import { onTimeFigures, dossierStatsByUnit, byConcern, type OnTimeUnitRow } from '../dossiers/dossier-stats';
import type { Status } from '../stats/formulas';
import { latestInstruments } from '../stats/instruments';
import { parseStatsQuery } from '../stats/stats-query';
import { computeStats, type StatsResult } from '../stats/stats.service';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Principal } from '../access/scope';
import { sparkline, type Sparkline } from './sparkline';
import type { Settles } from '../projector/ports';

export type TileId = 'education' | 'tthc' | 'dossiers' | 'online';

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

/** One of the plan's targets for the caller's units over the last 12 months. */
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
  // Dossiers on time, and dossiers received online (issue #28), from one read of the scope's dossier figures.
  const dossierTiles = async (): Promise<OverviewTile[]> => {
    const stats = await onTimeFigures(models, query, now);
    const [onTimeUnits, onlineUnits] = await Promise.all([dossierStatsByUnit(models, query, now), dossierStatsByUnit(models, query, now, 'online')]);
    const h = stats.headline;
    const o = stats.online;
    const tile = (id: TileId, headline: OverviewTile['headline'], months: OverviewTile['months'], units: OnTimeUnitRow[]): OverviewTile => ({
      id,
      headline,
      months,
      trend: sparkline(
        months.map((m) => m.share),
        headline.target,
      ),
      units: units.map((u) => ({ ...u, suppressed: false })),
      detail: id === 'online' ? `/admin/dossiers?${new URLSearchParams({ unit: query.unit.code }).toString()}#one-stop` : null,
    });
    return [
      tile(
        'dossiers',
        { n: h.n, share: h.share, ci95: h.ci95, target: h.target, targetSource: h.targetSource, status: h.status, suppressed: false },
        stats.byMonth.map((m) => ({ period: m.period, share: m.share })),
        onTimeUnits,
      ),
      tile(
        'online',
        { n: o.received, share: o.share, ci95: o.ci95, target: o.target, targetSource: o.targetSource, status: o.status, suppressed: false },
        o.byMonth.map((m) => ({ period: m.period, share: m.share })),
        onlineUnits,
      ),
    ];
  };
  const [education, tthc, dossiers] = await Promise.all([surveyTile('education'), surveyTile('tthc'), dossierTiles()]);
  const tiles = [education, tthc, ...dossiers];
  return { unit: { code: query.unit.code, name: query.unit.name }, from: query.from, to: query.to, tiles, recomputing };
}
