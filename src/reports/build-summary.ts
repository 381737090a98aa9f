import mongoose from 'mongoose';
import type { Models } from '../models';
import { shiftPeriod } from '../responses/period';
import { SMALL_CELL_DEFAULT_K } from '../stats/formulas';
import { latestInstruments } from '../stats/instruments';
import { computeStats, type StatsQuery } from '../stats/stats.service';
import type { SurveyKind } from '../surveys/instrument.types';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Unit } from '../units/unit.model';
import { NotFoundError } from '../errors';
import { composeMonthlySummary, type MonthlySummary } from './monthly-summary';

export interface SummaryRequest {
  period: string;
  unitCode: string;
  kind: SurveyKind;
  lang: 'vi' | 'en';
  publicBaseUrl: string;
}

/**
 * The summary of one scope and month, from the same computeStats the dashboard and API use: the 12 months
 * ending at the period, the month before and the same month a year earlier.
 */
export async function buildSummary(models: Models, catalog: SurveyCatalog, request: SummaryRequest): Promise<MonthlySummary> {
  const unit = await models.Unit.findOne({ code: request.unitCode }).lean<Unit>();
  if (!unit) throw new NotFoundError(`Unknown unit ${request.unitCode}`);
  const instruments = await latestInstruments(models.Survey, catalog);
  const query = (from: string, to: string): StatsQuery => ({ kind: request.kind, unit, from, to, k: SMALL_CELL_DEFAULT_K, minN: 30 });
  const { period } = request;
  const [current, previous, lastYear] = await Promise.all([
    computeStats(models, query(shiftPeriod(period, -11), period), instruments),
    computeStats(models, query(shiftPeriod(period, -1), shiftPeriod(period, -1)), instruments),
    computeStats(models, query(shiftPeriod(period, -12), shiftPeriod(period, -12)), instruments),
  ]);
  const withComments = await models.Response.find({ kind: request.kind, period, comment: mongoose.trusted({ $exists: true }) }, { unitCode: 1, unitAncestors: 1, commentStatus: 1 }).lean();
  const newComments = withComments.filter((r) => (r.unitCode === unit.code || (r.unitAncestors ?? []).includes(unit.code)) && (r.commentStatus ?? 'new') === 'new').length;
  const dashboard = new URLSearchParams({ kind: request.kind, unit: unit.code, from: shiftPeriod(period, -11), to: period });
  return composeMonthlySummary({
    period,
    lang: request.lang,
    scopeName: unit.name,
    current,
    previousMonth: previous.headline,
    sameMonthLastYear: lastYear.headline,
    newComments,
    dashboardUrl: `${request.publicBaseUrl}/admin?${dashboard.toString()}`,
  });
}
