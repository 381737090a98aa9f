import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import { BadRequestError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Link } from '../links/link.model';
import { createLink, isOpen, type LinkResolver } from '../links/link.service';
import { linkUrl, qrSvg } from '../links/qr';
import type { Models } from '../models';
import { formatters } from '../stats/format';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { Unit } from '../units/unit.model';
import { audit } from '../access/audit';
import { manageableUnits, readableUnits } from '../access/readable-units';
import { assertCanManage, assertCanRead, canRead, inSubtree } from '../access/scope';
import { unitsByCode } from '../units/unit-directory';

const newLinkBody = z.object({
  surveyKey: z.string().regex(/^[a-z0-9-]{3,40}$/),
  unitCode: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  procedureCode: z.string().trim().max(40).optional(),
  procedureName: z.string().trim().max(200).optional(),
  closesAt: z
    .union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)])
    .refine((v) => !v || !Number.isNaN(new Date(`${v}T00:00:00Z`).getTime()), 'not a calendar date')
    .optional(),
});

type LinkDeps = Parameters<typeof linkAdminRoutes>[0];

/** Distribution links: list, create, close, QR downloads, an A4 poster per link and a batch print sheet. */
export function linkAdminRoutes(deps: { models: Models; catalog: SurveyCatalog; resolver: LinkResolver; clock: () => Date; config: Readonly<Config> }): Router {
  const router = Router();
  registerLinkList(router, deps);
  registerLinkClose(router, deps);
  registerPosters(router, deps);
  return router;
}

async function linksInScope(models: Models, principal: Parameters<typeof canRead>[0], root?: string) {
  const units = await unitsByCode(models.Unit);
  const links = (await models.Link.find().sort({ unitCode: 1, surveyKey: 1 }).lean<Link[]>()).filter((l) => {
    const unit = units.get(l.unitCode);
    return unit && canRead(principal, unit) && (!root || inSubtree(root, unit));
  });
  return { links, units };
}

/** The links page and the creation of a link. */
function registerLinkList(router: Router, deps: LinkDeps): void {
  const { models, catalog, clock, config } = deps;

  router.get('/admin/links', async (req, res) => {
    const { links, units } = await linksInScope(models, req.principal!);
    const surveys = [];
    for (const key of await models.Survey.distinct('key')) {
      const latest = await catalog.getLatest(key);
      if (latest) surveys.push({ key, title: latest.definition.title, version: latest.version });
    }
    res.render('admin/links', {
      links: links.map((l) => ({
        ...l,
        unitName: units.get(l.unitCode)?.name ?? l.unitCode,
        url: linkUrl(config.PUBLIC_BASE_URL, l.code, l.channel),
        open: isOpen(l, clock()),
      })),
      surveys,
      units: await manageableUnits(models, req.principal!),
      readable: await readableUnits(models, req.principal!),
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: req.principal!.label,
      created: typeof req.query.created === 'string' ? req.query.created : '',
    });
  });

  router.post('/admin/links', async (req, res) => {
    const parsed = newLinkBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Invalid link fields.');
    const body = parsed.data;
    const unit = await models.Unit.findOne({ code: body.unitCode }).lean<Unit>();
    if (!unit) throw new NotFoundError('Unknown unit.');
    assertCanManage(req.principal!, unit);
    const now = clock();
    const procedure = body.procedureCode && body.procedureName ? { code: body.procedureCode, name: body.procedureName } : undefined;
    // Closing date is the end of that day in Vietnam (UTC+7).
    const closesAt = body.closesAt ? new Date(`${body.closesAt}T23:59:59+07:00`) : undefined;
    const link = await createLink({ ...models, catalog }, { surveyKey: body.surveyKey, unitCode: unit.code, procedure, closesAt }, now);
    await audit(
      models.Audit,
      { actor: req.principal!.label, action: 'link.create', target: link.code, details: { surveyKey: link.surveyKey, unitCode: unit.code } },
      now,
    );
    res.redirect(303, `/admin/links?created=${link.code}`);
  });
}

function registerLinkClose(router: Router, deps: LinkDeps): void {
  const { models, clock } = deps;

  router.post('/admin/links/:code/close', async (req, res) => {
    const link = await models.Link.findOne({ code: req.params.code }).lean<Link>();
    if (!link) throw new NotFoundError();
    const unit = await models.Unit.findOne({ code: link.unitCode }).lean<Unit>();
    assertCanManage(req.principal!, unit ?? { code: link.unitCode, ancestors: [] });
    const now = clock();
    await models.Link.updateOne({ code: link.code }, { $set: { closedAt: now } });
    deps.resolver.forget(link.code);
    await audit(models.Audit, { actor: req.principal!.label, action: 'link.close', target: link.code }, now);
    res.redirect(303, '/admin/links');
  });
}

/** The A4 poster of one link and the print sheet of a unit's open links. */
function registerPosters(router: Router, deps: LinkDeps): void {
  const { models, catalog, clock, config } = deps;

  async function posterData(link: Link, units: ReadonlyMap<string, Unit>) {
    const survey = await catalog.getLatest(link.surveyKey);
    const url = linkUrl(config.PUBLIC_BASE_URL, link.code, link.channel);
    return { link, url, unitName: units.get(link.unitCode)?.name ?? link.unitCode, title: survey?.definition.title.vi ?? '', qr: await qrSvg(url) };
  }

  router.get('/admin/links/:code/poster', async (req, res) => {
    const { links, units } = await linksInScope(models, req.principal!);
    const link = links.find((l) => l.code === req.params.code);
    if (!link) throw new NotFoundError();
    res.render('admin/posters', { posters: [await posterData(link, units)] });
  });

  router.get('/admin/print', async (req, res) => {
    const root = typeof req.query.unit === 'string' && req.query.unit ? req.query.unit : req.principal!.unitCode;
    const rootUnit = await models.Unit.findOne({ code: root }).lean<Unit>();
    if (!rootUnit) throw new NotFoundError();
    assertCanRead(req.principal!, rootUnit);
    const { links, units } = await linksInScope(models, req.principal!, root);
    const open = links.filter((l) => isOpen(l, clock()));
    res.render('admin/posters', { posters: await Promise.all(open.map((l) => posterData(l, units))) });
  });
}
