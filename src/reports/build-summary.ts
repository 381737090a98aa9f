import type { Models } from '../models';
import { shiftPeriod } from '../responses/period';
import { SMALL_CELL_DEFAULT_K } from '../stats/formulas';
import { latestInstruments } from '../stats/instruments';
import { computeStats, type StatsQuery } from '../stats/stats.service';
import type { SurveyKind } from '../surveys/instrument.types';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { unitsByCode } from '../units/unit-directory';
import { NotFoundError } from '../errors';
import { onTimeFigures } from '../dossiers/dossier-stats';
import { caseMonth } from '../cases/case-service';
import { composeMonthlySummary, type MonthlySummary } from './monthly-summary';
import type { Settles } from '../projector/ports';
import { commentCount } from '../review/comment-list';

export interface SummaryRequest {
  period: string;
  unitCode: string;
  kind: SurveyKind;
  lang: 'vi' | 'en';
  publicBaseUrl: string;
  /** Small-cell threshold (SMALL_CELL_K); the default when unset. */
  k?: number;
  /** When open dossiers are judged late (as the API does at the time of the request); now when unset. */
  now?: Date;
}

/**
 * The summary of one scope and month, from the same computeStats the dashboard and API use: the 12 months
 * ending at the period, the month before and the same month a year earlier.
 */
export async function buildSummary(
  { models, catalog, projector }: { models: Models; catalog: SurveyCatalog; projector: Settles },
  request: SummaryRequest,
): Promise<MonthlySummary> {
  const unit = (await unitsByCode(models.Unit)).get(request.unitCode);
  if (!unit) throw new NotFoundError(`Unknown unit ${request.unitCode}`);
  const instruments = await latestInstruments(catalog);
  const query = (from: string, to: string): StatsQuery => ({ kind: request.kind, unit, from, to, k: request.k ?? SMALL_CELL_DEFAULT_K, minN: 30 });
  const { period } = request;
  const [current, previous, lastYear] = await Promise.all([
    computeStats(models, query(shiftPeriod(period, -11), period), instruments, projector),
    computeStats(models, query(shiftPeriod(period, -1), shiftPeriod(period, -1)), instruments, projector),
    computeStats(models, query(shiftPeriod(period, -12), shiftPeriod(period, -12)), instruments, projector),
  ]);
  const onTime = await onTimeFigures(models, { unit, from: shiftPeriod(period, -11), to: period, minN: 30 }, request.now ?? new Date());
  const cases = await caseMonth(models, unit.code, period, request.now ?? new Date());
  const newComments = await commentCount(models, { kind: request.kind, unit: unit.code, from: period, to: period }, 'new');
  const dashboard = new URLSearchParams({ kind: request.kind, unit: unit.code, from: shiftPeriod(period, -11), to: period });
  return composeMonthlySummary({
    period,
    lang: request.lang,
    scopeName: unit.name,
    current,
    previousMonth: previous.headline,
    sameMonthLastYear: lastYear.headline,
    newComments,
    dashboardUrl: `${request.publicBaseUrl}/admin/dashboard?${dashboard.toString()}`,
    onTime,
    cases,
  });
}
