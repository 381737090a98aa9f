import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import type { Config } from '../config';
import { PROJECT_ROOT } from '../embedded-db/ferretdb';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { formatters, jsonForScript } from '../stats/format';
import { latestInstruments } from '../stats/instruments';
import { parseStatsQuery } from '../stats/stats-query';
import { computeStats, type StatsResult } from '../stats/stats.service';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { buildOverview } from './overview';
import { readableUnits } from '../access/readable-units';
import { mayExportResponses } from '../access/scope';
import type { Settles } from '../projector/ports';

/** The dashboard's filters: `/admin` with any of them is the dashboard (links in monthly e-mails sent before the overview). */
const DASHBOARD_FILTERS = ['kind', 'unit', 'from', 'to', 'level', 'tree'];

/**
 * Admin pages (signed in): `/admin` is the overview of the three targets, `/admin/dashboard` one kind's figures
 * with filters. chart.js is served from our own origin, never a CDN.
 */
export function adminRoutes(deps: { models: Models; catalog: SurveyCatalog; clock: () => Date; config: Readonly<Config>; projector: Settles }): Router {
  const { models, catalog, clock } = deps;
  const router = Router();
  router.use(
    '/static/vendor',
    express.static(path.join(PROJECT_ROOT, 'node_modules', 'chart.js', 'dist'), { index: false, maxAge: deps.config.isProduction ? '7d' : 0 }),
  );

  router.get('/admin', async (req, res) => {
    if (DASHBOARD_FILTERS.some((name) => name in (req.query as Record<string, unknown>))) return dashboard(req, res);
    const principal = req.principal!;
    const overview = await buildOverview(models, catalog, deps.projector, principal, clock(), deps.config.SMALL_CELL_K);
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/overview', {
      overview,
      recomputing: overview.recomputing,
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: principal.label,
    });
  });
  router.get('/admin/dashboard', (req, res) => dashboard(req, res));

  async function dashboard(req: Request, res: Response): Promise<void> {
    const principal = req.principal!;
    const query = await parseStatsQuery(models, principal, req.query, clock(), { k: deps.config.SMALL_CELL_K });
    const stats = await computeStats(models, query, await latestInstruments(catalog), deps.projector);
    const units = await readableUnits(models, principal);
    const lang = res.locals.lang as Lang;
    const f = formatters(lang);
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/dashboard', {
      title: 'admin.nav.dashboard',
      stats,
      units,
      f,
      csrf: csrfToken(req),
      canExportResponses: mayExportResponses(principal),
      exportQuery: new URLSearchParams({
        kind: stats.scope.kind,
        unit: stats.scope.unit.code,
        from: stats.scope.from,
        to: stats.scope.to,
        ...(stats.scope.level ? { level: stats.scope.level } : {}),
        ...(stats.scope.tree === 'then' ? { tree: 'then' } : {}),
      }).toString(),
      user: principal.label,
      chartJson: trendChartJson(stats, lang),
    });
  }
  return router;
}

/** The dashboard trend's data for chart.js (public/js/dashboard.js), in percent. */
function trendChartJson(stats: StatsResult, lang: Lang): string {
  const f = formatters(lang);
  const pct = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(value * 1000) / 10);
  return jsonForScript({
    labels: stats.byMonth.map((m) => f.period(m.period)),
    share: stats.byMonth.map((m) => pct(m.share)),
    target: stats.byMonth.map((m) => pct(m.target)),
    n: stats.byMonth.map((m) => m.n),
    // The 95% interval of each month, drawn as a band: with a couple of hundred answers a month a share swings by
    // about five points, and the band shows which moves are noise (issue #27 item 8).
    low: stats.byMonth.map((m) => pct(m.ci95?.[0])),
    high: stats.byMonth.map((m) => pct(m.ci95?.[1])),
    labelBand: lang === 'vi' ? 'Khoảng tin cậy 95%' : '95% interval',
    labelShare: lang === 'vi' ? 'Tỷ lệ hài lòng (%)' : 'Satisfaction rate (%)',
    labelTarget: lang === 'vi' ? 'Chỉ tiêu (%)' : 'Target (%)',
  });
}
