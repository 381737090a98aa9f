import { Router } from 'express';
import type { mongo } from 'mongoose';
import { requireApiPrincipal } from '../admin/authenticate';
import type { Models } from '../models';
import { periodRange } from '../responses/period';
import { parseStatsQuery } from '../stats/stats-query';
import { targetFor } from '../stats/target.model';
import { dossierFigureId, type DossierFigureDoc } from './dossier-figures';
import { onTimeStats } from './on-time';

/**
 * `GET /api/v1/dossier-stats?unit=&from=YYYY-MM&to=YYYY-MM`: TTHC dossiers handled on time, with the same auth,
 * scope and defaults as `/api/v1/stats` (the caller's units, the last 12 months; 403 outside its units).
 */
export function dossierApiRoutes(deps: { models: Models; clock: () => Date }): Router {
  const { models, clock } = deps;
  const router = Router();
  router.get('/api/v1/dossier-stats', requireApiPrincipal(models, clock), async (req, res) => {
    const { unit, from, to } = req.query as Record<string, unknown>;
    const query = await parseStatsQuery(models, req.principal!, { unit, from, to }, clock());
    const periods = periodRange(query.from, query.to);
    const figures = models.DossierFigure.collection as unknown as mongo.Collection<DossierFigureDoc>;
    const docs = await figures.find({ _id: { $in: periods.map((p) => dossierFigureId(p, query.unit.code)) } }).toArray();
    const targets = await models.Target.find().lean();
    res.json({ unit: { code: query.unit.code, name: query.unit.name }, from: query.from, to: query.to, ...onTimeStats(docs, periods, clock(), (p) => targetFor(targets, 'dossiers', Number(p.slice(0, 4))), query.minN) });
  });
  return router;
}
