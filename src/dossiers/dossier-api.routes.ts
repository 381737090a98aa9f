import { Router } from 'express';
import { requireApiPrincipal } from '../access/authenticate';
import type { Models } from '../models';
import { parseStatsQuery } from '../stats/stats-query';
import { dossierStats } from './dossier-stats';
import type { Settles } from '../projector/ports';

/**
 * `GET /api/v1/dossier-stats?unit=&from=YYYY-MM&to=YYYY-MM`: TTHC dossiers handled on time, with the same auth,
 * scope and defaults as `/api/v1/stats` (the caller's units, the last 12 months; 403 outside its units).
 */
export function dossierApiRoutes(deps: { models: Models; clock: () => Date; projector: Settles; smallCellK?: number }): Router {
  const { models, clock } = deps;
  const router = Router();
  router.get('/api/v1/dossier-stats', requireApiPrincipal(models, clock), async (req, res) => {
    const { unit, from, to } = req.query as Record<string, unknown>;
    const now = clock();
    const query = await parseStatsQuery(models, req.principal!, { unit, from, to }, now, { k: deps.smallCellK });
    res.json({
      unit: { code: query.unit.code, name: query.unit.name },
      from: query.from,
      to: query.to,
      ...(await dossierStats(models, query, now, deps.projector)),
    });
  });
  return router;
}
