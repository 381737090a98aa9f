import { Router, type Response } from 'express';
import { toCsv } from '../exports/csv';
import { toXlsx, type Sheet } from '../exports/xlsx';
import { ForbiddenError, NotFoundError } from '../errors';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { dayOf } from '../responses/period';
import { responsesByDay } from '../exports/responses-by-day';
import { streamCsv } from '../exports/csv-stream';
import { streamXlsx } from '../exports/xlsx-stream';
import { FIGURE_COLUMNS, figureRows } from '../stats/figures-table';
import { latestInstruments } from '../stats/instruments';
import { parseStatsQuery } from '../stats/stats-query';
import { computeStats, type StatsQuery } from '../stats/stats.service';
import { ratingQuestions } from '../surveys/form-fields';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { audit } from '../access/audit';
import { mayExportResponses } from '../access/scope';
import { unitsByCode } from '../units/unit-directory';
import type { Settles } from '../projector/ports';

function attachment(res: Response, name: string, format: 'csv' | 'xlsx'): Response {
  res.setHeader('Content-Disposition', `attachment; filename="${name}.${format}"`);
  res.setHeader('Cache-Control', 'no-store');
  return res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
}

function send(res: Response, name: string, format: 'csv' | 'xlsx', body: string | Buffer): void {
  attachment(res, name, format).send(body);
}

type ExportDeps = Parameters<typeof exportRoutes>[0];
type Format = 'csv' | 'xlsx';

/** What `figures.csv`, `responses.xlsx` … asks for; null for any other file name. */
function exportFile(file: string): { what: 'figures' | 'responses'; format: Format } | null {
  const match = /^(figures|responses)\.(csv|xlsx)$/.exec(file);
  const [what, format] = [match?.[1], match?.[2]];
  return (what === 'figures' || what === 'responses') && (format === 'csv' || format === 'xlsx') ? { what, format } : null;
}

/**
 * Exports of figures and of raw responses, CSV (UTF-8 with BOM, formula-looking cells neutralised) or XLSX,
 * for exactly the dashboard's filter and scope. Every export is audited.
 */
export function exportRoutes(deps: { models: Models; catalog: SurveyCatalog; clock: () => Date; projector: Settles; smallCellK?: number }): Router {
  const { models, clock } = deps;
  const router = Router();

  router.get('/admin/export/:file', async (req, res) => {
    const file = exportFile(req.params.file);
    if (!file) throw new NotFoundError();
    const { what, format } = file;
    if (what === 'responses' && !mayExportResponses(req.principal!)) throw new ForbiddenError('Raw responses can be exported by province-wide staff only.');
    const query = await parseStatsQuery(models, req.principal!, req.query, clock(), { k: deps.smallCellK });
    const name = `hailong-${what}-${query.kind}-${query.unit.code}-${query.from}-${query.to}`;
    await audit(
      models.Audit,
      { actor: req.principal!.label, action: `export.${what}`, target: query.unit.code, details: { format, kind: query.kind, from: query.from, to: query.to } },
      clock(),
    );

    if (what === 'figures') return sendFigures(res, deps, query, name, format);
    await streamResponses(res, deps, query, name, format);
  });
  return router;
}

async function sendFigures(res: Response, deps: ExportDeps, query: StatsQuery, name: string, format: Format): Promise<void> {
  const stats = await computeStats(deps.models, query, await latestInstruments(deps.catalog), deps.projector);
  const rows = figureRows(stats);
  if (format === 'csv') {
    send(
      res,
      name,
      'csv',
      toCsv(
        rows,
        FIGURE_COLUMNS.map((c) => ({ header: c.header, value: (r) => r[c.key] })),
      ),
    );
    return;
  }
  const formula: Sheet = {
    name: 'Công thức',
    columns: [
      { header: 'Mã / id', key: 'id', width: 24 },
      { header: 'Phiên bản / version', key: 'version' },
      { header: 'Nội dung / text', key: 'text', width: 120 },
    ],
    rows: [stats.formula, stats.itemFormula].map((f) => ({ id: f.id, version: f.version, text: f.text })),
  };
  const figures: Sheet = {
    name: 'Số liệu',
    columns: FIGURE_COLUMNS.map((c) => ({ header: c.header, key: c.key, numFmt: c.numFmt, width: c.key === 'label' ? 40 : 14 })),
    rows,
  };
  send(res, name, 'xlsx', await toXlsx([figures, formula], { title: name, creator: 'Hài Lòng' }));
}

// Streamed: by day, then by the random response id (within a day the row order must not give the order of
// arrival), sorted with bounded memory by responsesByDay, and written as the client takes it.
async function streamResponses(res: Response, deps: ExportDeps, query: StatsQuery, name: string, format: Format): Promise<void> {
  const responses = responsesByDay(deps.models, query);
  const units = await unitsByCode(deps.models.Unit);
  const instruments = await latestInstruments(deps.catalog);
  const questionKeys = [...new Set([...instruments.values()].filter((d) => d.kind === query.kind).flatMap((d) => ratingQuestions(d).map((q) => q.key)))];
  const base: { header: string; key: string; value: (r: ResponseDoc) => string | number | boolean | null | undefined }[] = [
    { header: 'id', key: 'id', value: (r) => r._id },
    // The day only (yyyy-mm-dd in Asia/Ho_Chi_Minh): a minute or a second would tie an answer to the person seen at the
    // desk or the kiosk at that moment.
    { header: 'ngày / submitted on (Asia/Ho_Chi_Minh)', key: 'submittedOn', value: (r) => dayOf(r.submittedAt) },
    { header: 'kỳ / period', key: 'period', value: (r) => r.period },
    { header: 'phiếu / survey', key: 'survey', value: (r) => `${r.surveyKey}@${r.surveyVersion}` },
    { header: 'mã đơn vị / unit', key: 'unit', value: (r) => r.unitCode },
    { header: 'tên đơn vị / unit name', key: 'unitName', value: (r) => units.get(r.unitCode)?.name ?? '' },
    { header: 'cấp học / level', key: 'level', value: (r) => r.level ?? '' },
    { header: 'địa bàn / district', key: 'district', value: (r) => r.district ?? '' },
    ...questionKeys.map((key) => ({ header: key, key: `q_${key}`, value: (r: ResponseDoc) => r.answers[key] ?? null })),
    { header: 'ý kiến / comment', key: 'comment', value: (r) => r.comment ?? '' },
    { header: 'cờ / flags', key: 'flags', value: (r) => r.flags.join(' ') },
    { header: 'tính vào số liệu / counted', key: 'counted', value: (r) => r.counted },
    { header: 'dữ liệu mẫu / synthetic', key: 'synthetic', value: (r) => r.synthetic },
  ];
  attachment(res, name, format);
  if (format === 'csv')
    return streamCsv(
      res,
      responses,
      base.map((c) => ({ header: c.header, value: c.value })),
    );
  await streamXlsx(res, { name: 'Phiếu trả lời', columns: base }, responses, { title: name, creator: 'Hài Lòng' });
}
