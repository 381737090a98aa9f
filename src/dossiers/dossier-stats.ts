import type { Models } from '../models';
import { periodRange } from '../responses/period';
import type { Settles } from '../projector/ports';
import { readScopeAndRoot } from '../figures/read-figures';
import { publicationOf } from '../stats/disclosure';
import { share, SMALL_CELL_DEFAULT_K, statusOf, summarizeCounts, suppressed, wilson95, type Status } from '../stats/formulas';
import { targetFor, targetSourceFor, type TargetKind } from '../stats/target.model';
import { oneStopShares, type OneStopShares } from './one-stop-shares';
import { serviceIndex, serviceIndexSettings, type ServiceIndex } from './service-index';
import { allUnits, unitsByCode } from '../units/unit-directory';
import { dossierFigureId, type DossierFigureDoc } from './dossier-figures';
import { lateDossiers, onTimeBreakdowns, onTimeStats, type LateDossier, type OnTimeRow, type OnTimeStats } from './on-time';
import { collectionOf, listByIds } from '../data/by-id';

/** The scope and months of an on-time figure (as parseStatsQuery gives them). */
export interface DossierQuery {
  unit: { code: string; name: string };
  from: string;
  to: string;
  minN: number;
  /** small-cell threshold of the satisfaction of rated dossiers (SMALL_CELL_K) */
  k?: number;
}

/**
 * The satisfaction of rated dossiers: the overall answers of the TTHC answers that named a dossier code, by the
 * month of the answer, in the scope's subtree (the desk's answers count under the department). Counted in the
 * figure documents (`dossiers`) as the answers arrive, never by joining an answer to its dossier: the claim holds
 * only the code's salted hash and not the answer (dossier-claim.ts). Hidden below k answers like any small cell.
 */
export interface RatedSatisfaction {
  n: number;
  satisfied: number | null;
  share: number | null;
  ci95: [number, number] | null;
  suppressed: boolean;
}

async function ratedSatisfaction(models: Models, query: DossierQuery, projector: Settles): Promise<RatedSatisfaction> {
  const periods = periodRange(query.from, query.to);
  await projector.settled(); // this instance's own answers first (read-your-writes)
  const units = await unitsByCode(models.Unit);
  const root = units.get(query.unit.code)?.ancestors?.[0] ?? query.unit.code;
  // The scope's figures and its province's (for the disclosure rule below) in one read.
  const { own: docs, root: rootMonths } = await readScopeAndRoot(
    models.Figure,
    { kind: 'tthc', scope: query.unit.code, periods },
    root === query.unit.code ? undefined : { kind: 'tthc', scope: root, periods },
  );
  let n = 0;
  let satisfied = 0;
  for (const doc of docs) {
    for (const [survey, counts] of Object.entries(doc.dossiers ?? {})) {
      const summary = summarizeCounts(counts, doc.surveys[survey]?.scale ?? 5);
      n += summary.n;
      satisfied += summary.satisfied;
    }
  }
  // The rule of stats/disclosure.ts: shown only while rated and unrated answers are each whole atoms of at least k,
  // or the TTHC headline minus this figure would give the few answers without a dossier code.
  const k = query.k ?? SMALL_CELL_DEFAULT_K;
  const { rated } = publicationOf({ rootMonths, periods, scope: query.unit.code, root, units, k });
  const hidden = suppressed(n, k) || (n > 0 && (!rated.ok || rated.n !== n));
  return {
    n,
    satisfied: hidden ? null : satisfied,
    share: hidden ? null : share(satisfied, n),
    ci95: hidden ? null : wilson95(satisfied, n),
    suppressed: hidden,
  };
}

/** One child unit's on-time figure over the whole range, against the range's last target. */
export interface OnTimeUnitRow {
  code: string;
  name: string;
  n: number;
  onTime: number;
  share: number | null;
  ci95: [number, number] | null;
  status: Status;
}

const figuresOf = (models: Models) => collectionOf<DossierFigureDoc>(models.DossierFigure);

/** The targets in force for a period's year, of the on-time figure (by default) or of a one-stop share. */
async function targetsOf(models: Models): Promise<{
  value: (period: string, kind?: TargetKind) => number | null;
  source: (period: string, kind?: TargetKind) => string | null;
}> {
  const targets = await models.Target.find().lean();
  const year = (period: string) => Number(period.slice(0, 4));
  return {
    value: (period, kind = 'dossiers') => targetFor(targets, kind, year(period)),
    source: (period, kind = 'dossiers') => targetSourceFor(targets, kind, year(period)),
  };
}

/**
 * The on-time figures of a scope with their breakdowns by procedure and channel, the one-stop shares of the same
 * documents, and the service index they give.
 */
export type OnTimeFigures = OnTimeStats & { byProcedure: OnTimeRow[]; byChannel: OnTimeRow[] } & OneStopShares & { serviceIndex: ServiceIndex };

/** The same with the rated dossiers' satisfaction (the API and the dossiers page). */
export type DossierStats = Omit<OnTimeFigures, 'rated'> & { rated: OnTimeStats['rated'] & { satisfaction: RatedSatisfaction } };

/** The scope's figure documents of the range, read by `_id`. */
async function docsOf(models: Models, query: DossierQuery): Promise<DossierFigureDoc[]> {
  const periods = periodRange(query.from, query.to);
  return listByIds(
    figuresOf(models),
    periods.map((p) => dossierFigureId(p, query.unit.code)),
  );
}

/** The figures of a scope from its documents (shared by the API and the dossiers page). */
async function onTimeOf(models: Models, query: DossierQuery, docs: DossierFigureDoc[], now: Date): Promise<OnTimeFigures> {
  const [targets, settings] = await Promise.all([targetsOf(models), serviceIndexSettings(models)]);
  const periods = periodRange(query.from, query.to);
  const onTime = onTimeStats(
    docs,
    periods,
    now,
    (p) => targets.value(p),
    query.minN,
    (p) => targets.source(p),
  );
  const shares = oneStopShares(docs, periods, { value: (kind, p) => targets.value(p, kind), source: (kind, p) => targets.source(p, kind) }, query.minN);
  const rates = {
    onTime: onTime.headline.share,
    online: shares.online.share,
    paidOnline: shares.paidOnline.share,
    digitised: shares.digitised.share,
    complaints: shares.complaints.share,
  };
  return { ...onTime, ...onTimeBreakdowns(docs, now), ...shares, serviceIndex: serviceIndex(rates, settings) };
}

async function statsOf(models: Models, query: DossierQuery, docs: DossierFigureDoc[], now: Date, projector: Settles): Promise<DossierStats> {
  const onTime = await onTimeOf(models, query, docs, now);
  return { ...onTime, rated: { ...onTime.rated, satisfaction: await ratedSatisfaction(models, query, projector) } };
}

/**
 * The on-time figures alone (the overview's tile, the monthly e-mail): the same numbers as the API without the
 * satisfaction of rated dossiers, which would read the scope's TTHC figure documents once more for nothing.
 */
export async function onTimeFigures(models: Models, query: DossierQuery, now: Date): Promise<OnTimeFigures> {
  return onTimeOf(models, query, await docsOf(models, query), now);
}

/** `/api/v1/dossier-stats`'s figures. */
export async function dossierStats(models: Models, query: DossierQuery, now: Date, projector: Settles): Promise<DossierStats> {
  return statsOf(models, query, await docsOf(models, query), now, projector);
}

/** The figures and the late dossiers of the scope (the dossiers page), from one read of its documents. */
export async function dossierStatsWithLate(
  models: Models,
  query: DossierQuery,
  now: Date,
  projector: Settles,
): Promise<DossierStats & { late: LateDossier[] }> {
  const docs = await docsOf(models, query);
  return { ...(await statsOf(models, query, docs, now, projector)), late: lateDossiers(docs, now) };
}

/**
 * The on-time figure (or, with `measure` "online", the online share) of each unit directly under the scope that has
 * dossiers in the range: those whose whole interval lies below the target first (the units to call), then the
 * uncertain, the met, and the too small.
 */
export async function dossierStatsByUnit(models: Models, query: DossierQuery, now: Date, measure: 'onTime' | 'online' = 'onTime'): Promise<OnTimeUnitRow[]> {
  const children = (await allUnits(models.Unit)).filter((u) => u.parentCode === query.unit.code);
  if (!children.length) return [];
  const periods = periodRange(query.from, query.to);
  const ids = children.flatMap((u) => periods.map((p) => dossierFigureId(p, u.code)));
  const docs = await listByIds(figuresOf(models), ids);
  const byScope = new Map<string, DossierFigureDoc[]>();
  for (const doc of docs) byScope.set(doc.scope, [...(byScope.get(doc.scope) ?? []), doc]);
  const targets = await targetsOf(models);
  const target = targets.value(query.to, measure === 'online' ? 'online' : 'dossiers');
  const rows: OnTimeUnitRow[] = [];
  for (const unit of children) {
    const unitDocs = byScope.get(unit.code);
    if (!unitDocs) continue;
    const { n, part } = measureOf(measure, unitDocs, periods, now);
    if (!n) continue;
    rows.push({
      code: unit.code,
      name: unit.name,
      n,
      onTime: part,
      share: n ? part / n : null,
      ci95: wilson95(part, n),
      status: target === null ? 'insufficient' : statusOf(part, n, target, query.minN),
    });
  }
  return rows.sort(byConcern);
}

/** A unit's count and its part: dossiers counted and on time, or received and received online. */
function measureOf(measure: 'onTime' | 'online', docs: DossierFigureDoc[], periods: string[], now: Date): { n: number; part: number } {
  if (measure === 'online') {
    const { online } = oneStopShares(docs, periods, { value: () => null, source: () => null });
    return { n: online.received, part: online.online };
  }
  const { headline } = onTimeStats(docs, periods, now, () => null);
  return { n: headline.n, part: headline.onTime };
}

const CONCERN: Record<Status, number> = { below: 0, uncertain: 1, met: 2, insufficient: 3 };

/** Below the target first, then by share, lowest first. */
export function byConcern<T extends { status: Status; share: number | null; n: number }>(a: T, b: T): number {
  return CONCERN[a.status] - CONCERN[b.status] || (a.share ?? 2) - (b.share ?? 2) || b.n - a.n;
}
