import { Router } from 'express';
import { requireApiPrincipal } from '../access/authenticate';
import { canRead } from '../access/scope';
import type { Link } from '../links/link.model';
import { isOpen } from '../links/link.service';
import { linkUrl } from '../links/qr';
import type { Models } from '../models';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { latestInstruments } from './instruments';
import { parseStatsQuery } from './stats-query';
import { computeStats } from './stats.service';
import { unitsByCode } from '../units/unit-directory';
import type { Settles } from '../projector/ports';

/** The JSON API of the interface contract: `/api/v1/stats` and `/api/v1/links`, for a session or a bearer token. */
export function apiRoutes(deps: {
  models: Models;
  catalog: SurveyCatalog;
  clock: () => Date;
  projector: Settles;
  publicBaseUrl: string;
  smallCellK?: number;
}): Router {
  const { models, catalog, clock } = deps;
  const router = Router();
  router.use('/api/v1', requireApiPrincipal(models, clock));

  router.get('/api/v1/stats', async (req, res) => {
    const query = await parseStatsQuery(models, req.principal!, req.query, clock(), { k: deps.smallCellK });
    res.json(await computeStats(models, query, await latestInstruments(catalog), deps.projector));
  });

  router.get('/api/v1/links', async (req, res) => {
    const principal = req.principal!;
    const units = await unitsByCode(models.Unit);
    const links = (await models.Link.find().sort({ unitCode: 1, surveyKey: 1 }).lean<Link[]>()).filter((l) => {
      const unit = units.get(l.unitCode);
      return unit && canRead(principal, unit);
    });
    const now = clock();
    const out = [];
    for (const link of links) {
      const unit = units.get(link.unitCode)!;
      const survey = await catalog.getLatest(link.surveyKey);
      out.push({
        code: link.code,
        url: linkUrl(deps.publicBaseUrl, link.code, link.channel),
        kind: link.kind,
        channel: link.channel,
        unit: { code: unit.code, name: unit.name, type: unit.type },
        survey: { id: link.surveyKey, version: survey?.version ?? null, title: survey?.definition.title.vi ?? link.surveyKey },
        procedure: link.procedure ?? null,
        opensAt: link.opensAt,
        closesAt: link.closesAt ?? null,
        open: isOpen(link, now),
        qr: { png: `${deps.publicBaseUrl}/qr/${link.code}.png`, svg: `${deps.publicBaseUrl}/qr/${link.code}.svg` },
      });
    }
    res.json(out);
  });
  return router;
}
