import crypto from 'node:crypto';
import { Router } from 'express';
import { audit } from '../access/audit';
import { readableUnits } from '../access/readable-units';
import { mayExportResponses } from '../access/scope';
import { insertOnce } from '../data/write-once';
import { ForbiddenError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import { readUploadedFile } from '../http/file-upload';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { formatters } from '../stats/format';
import { wilson95 } from '../stats/formulas';
import { parseStatsQuery } from '../stats/stats-query';
import { dossierStatsWithLate } from './dossier-stats';
import { importDossiers } from './dossier-import';
import { oneStopRows } from './one-stop-shares';
import type { Projector } from '../projector/projector';

/** An export of a year of a province's dossiers is a few MB; this leaves room and still bounds the memory. */
const MAX_FILE_BYTES = 25 * 1024 * 1024;
/** Late dossiers shown on the page (the rest are counted). */
const LATE_SHOWN = 200;

type DossierDeps = Parameters<typeof dossierAdminRoutes>[0];

/**
 * `/admin/dossiers`: the on-time figures of the caller's units (by month, procedure and channel), the late
 * dossiers with their apology letters, and, for province-wide staff, the upload of the one-stop system's export.
 */
export function dossierAdminRoutes(deps: {
  models: Models;
  clock: () => Date;
  salt: () => Promise<string>;
  projector: Projector;
  smallCellK?: number;
}): Router {
  const router = Router();
  registerDossierPage(router, deps);
  registerDossierImport(router, deps);
  return router;
}

function registerDossierPage(router: Router, deps: DossierDeps): void {
  const { models, clock } = deps;

  router.get('/admin/dossiers', async (req, res) => {
    const principal = req.principal!;
    const now = clock();
    const { unit, from, to } = req.query as Record<string, unknown>;
    const query = await parseStatsQuery(models, principal, { unit, from, to }, now, { k: deps.smallCellK });
    const stats = await dossierStatsWithLate(models, query, now, deps.projector);
    const canImport = mayExportResponses(principal);
    const importId = typeof req.query.import === 'string' ? req.query.import : undefined;
    const [shownImport, recentImports] = canImport
      ? await Promise.all([
          importId ? models.DossierImportLog.findById(importId).lean() : null,
          models.DossierImportLog.find().sort({ at: -1 }).limit(5).lean(),
        ])
      : [null, []];
    const units = await readableUnits(models, principal);
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/dossiers', {
      scope: { unit: query.unit, from: query.from, to: query.to },
      stats: { ...stats, k: query.k },
      oneStop: oneStopRows(stats),
      months: stats.byMonth.filter((m) => m.n > 0).map((m) => ({ ...m, key: m.period, ci95: wilson95(m.onTime, m.n) })),
      late: stats.late.slice(0, LATE_SHOWN),
      lateTotal: stats.late.length,
      units,
      unitNames: Object.fromEntries(units.map((u) => [u.code, u.name])),
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: principal.label,
      canImport,
      shownImport,
      recentImports,
      maxMb: MAX_FILE_BYTES / 1024 / 1024,
    });
  });
}

/** The upload of the one-stop system's export, for province-wide staff. */
function registerDossierImport(router: Router, deps: DossierDeps): void {
  const { models, clock } = deps;

  // All or nothing (dossier-import.ts): a file with a bad row writes nothing and the page lists the rows.
  router.post('/admin/dossiers/import', async (req, res) => {
    const principal = req.principal!;
    if (!mayExportResponses(principal)) throw new ForbiddenError('Only department staff import dossiers.');
    const file = await readUploadedFile(req, { field: 'file', maxBytes: MAX_FILE_BYTES });
    const now = clock();
    const log = await startImportLog(models, req.query.progress, { at: now, by: principal.label, fileName: file.name.slice(0, 200), bytes: file.bytes.length });
    const result = await importDossiers(models, deps.projector, await deps.salt(), file.bytes, now, log.progress);
    await log.settled();
    await models.DossierImportLog.updateOne(
      { _id: log._id },
      {
        $set: {
          rows: result.rows,
          inserted: result.inserted,
          updated: result.updated,
          unchanged: result.unchanged,
          rowErrors: result.errors,
          progress: { phase: 'done', written: result.rows - result.unchanged, total: result.rows, updatedAt: clock() },
        },
      },
    );
    if (!result.errors.length) {
      await audit(
        models.Audit,
        { actor: principal.label, action: 'dossiers.import', details: { rows: result.rows, inserted: result.inserted, updated: result.updated } },
        now,
      );
    }
    res.redirect(303, `/admin/dossiers?import=${encodeURIComponent(log._id)}`);
  });

  // The processing progress of an upload (public/js/dossier-upload.js polls it while the import request runs).
  router.get('/admin/dossiers/imports/:id/progress', async (req, res) => {
    if (!mayExportResponses(req.principal!)) throw new ForbiddenError('Only department staff import dossiers.');
    const log = PROGRESS_ID.test(req.params.id) ? await models.DossierImportLog.findById(req.params.id, { progress: 1 }).lean() : null;
    if (!log?.progress) throw new NotFoundError('No such import.');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ phase: log.progress.phase, written: log.progress.written, total: log.progress.total });
  });
}

/** An id the uploading page made up for its import, so it can ask for the progress while the upload runs. */
const PROGRESS_ID = /^[a-f0-9]{32}$/;

/**
 * The import's log, written before the file is read, under the page's id when it gave a fresh one (else a new
 * one: a reused id never shows another import's progress). `progress` records each step as it happens.
 */
async function startImportLog(models: Models, asked: unknown, fields: { at: Date; by: string; fileName: string; bytes: number }) {
  const base = {
    ...fields,
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rowErrors: [],
    progress: { phase: 'checking' as const, written: 0, total: 0, updatedAt: new Date() },
  };
  let id = typeof asked === 'string' && PROGRESS_ID.test(asked) ? asked : crypto.randomUUID();
  if (!(await insertOnce(() => models.DossierImportLog.create({ _id: id, ...base })))) {
    // The page's id is taken (a second import from one page): this import gets its own.
    id = crypto.randomUUID();
    await models.DossierImportLog.create({ _id: id, ...base });
  }
  // In order, one after the other: a late write must not overwrite the final state (`settled` before writing it).
  let last: Promise<unknown> = Promise.resolve();
  const progress = (written: number, total: number) => {
    const phase = written < total ? 'writing' : 'recounting';
    last = last
      .then(() => models.DossierImportLog.updateOne({ _id: id }, { $set: { progress: { phase, written, total, updatedAt: new Date() } } }))
      .catch(() => undefined);
  };
  return { _id: id, progress, settled: () => last };
}
