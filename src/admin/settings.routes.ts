import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { formatters } from '../stats/format';
import type { Unit } from '../units/unit.model';
import { setTarget, TARGET_KINDS } from '../stats/target.model';
import { publishedRoots } from '../public/published-units';
import { SERVICE_INDEX_GROUPS, serviceIndexSettings, setServiceIndexGroup } from '../dossiers/service-index';
import { dueWorkingDays, setDueWorkingDays } from '../cases/case-service';
import { audit } from '../access/audit';
import { tokenExpiry } from '../access/authenticate';
import { issueApiToken, revokeApiToken } from '../access/api-tokens';
import { canManageUser } from '../access/roles';
import { readableUnits } from '../access/readable-units';
import { assertCanManage, provinceWide } from '../access/scope';

const targetBody = z.object({
  kind: z.enum(TARGET_KINDS),
  year: z.coerce.number().int().min(2015).max(2100),
  // Entered as a percentage in the form, stored as a fraction.
  percent: z.coerce.number().min(0).max(100),
  // The decision or plan the target comes from (domain.md: every target records it).
  source: z.string().trim().min(1).max(300),
});
const tokenBody = z.object({
  name: z.string().trim().min(1).max(80),
  unitCode: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  // Days until the token stops working: at most a year, a year when left empty.
  days: z
    .string()
    .regex(/^\d{0,3}$/)
    .optional()
    .transform((v) => (v ? Number(v) : 365))
    .pipe(z.number().int().min(1).max(365)),
});

const serviceIndexBody = z.object({
  id: z.enum(SERVICE_INDEX_GROUPS),
  points: z.coerce.number().min(0).max(100),
  // Entered as a percentage, stored as a fraction; 0 would make every rate full points.
  thresholdPercent: z.coerce.number().gt(0).max(100),
  source: z.string().trim().min(1).max(300),
});
const caseDaysBody = z.object({ kind: z.enum(['education', 'tthc']), days: z.coerce.number().int().min(1).max(60) });

/** Targets per survey kind and year (province-wide staff), and API tokens scoped to a unit subtree. */
export function settingsRoutes(deps: { models: Models; clock: () => Date }): Router {
  const router = Router();
  router.get('/admin/settings', (req, res) => renderSettings(deps, req, res));
  provinceWideSettingRoutes(router, deps);
  serviceIndexRoutes(router, deps);
  tokenRoutes(router, deps);
  return router;
}

type SettingsDeps = Parameters<typeof settingsRoutes>[0];

/** The settings page; `newToken` is the token just made, shown this once only. */
async function renderSettings({ models, clock }: SettingsDeps, req: Request, res: Response, newToken = '') {
  const principal = req.principal!;
  const tokens = (await models.ApiToken.find().sort({ createdAt: -1 }).lean()).filter((t) => provinceWide(principal) || t.createdBy === principal.label);
  res.render('admin/settings', {
    targets: await models.Target.find().sort({ kind: 1, year: 1 }).lean(),
    targetKinds: TARGET_KINDS,
    serviceIndex: await serviceIndexSettings(models),
    caseDays: { education: await dueWorkingDays(models, 'education'), tthc: await dueWorkingDays(models, 'tthc') },
    tokens: tokens.map((t) => ({ ...t, expiresAt: tokenExpiry(t), expired: tokenExpiry(t) <= clock() })),
    canEditTargets: provinceWide(principal),
    published: await publishedRoots(models.PublishedUnit),
    units: await readableUnits(models, principal),
    newToken,
    f: formatters(res.locals.lang as Lang),
    csrf: csrfToken(req),
    user: principal.label,
  });
}

/** What only department staff set for the whole province: the targets and the follow-up time. */
function provinceWideSettingRoutes(router: Router, { models, clock }: SettingsDeps): void {
  router.post('/admin/targets', async (req, res) => {
    if (!provinceWide(req.principal!)) throw new ForbiddenError('Only department staff set targets.');
    const parsed = targetBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Invalid target.');
    const { kind, year, percent, source } = parsed.data;
    const value = Math.round(percent * 100) / 10000;
    const before = await setTarget(models.Target, { kind, year, value, source });
    await audit(
      models.Audit,
      {
        actor: req.principal!.label,
        action: 'target.set',
        target: `${kind}:${year}`,
        details: { from: before?.value ?? null, to: value, fromSource: before?.source ?? null, source },
      },
      clock(),
    );
    res.redirect(303, '/admin/settings');
  });

  // Working days to the first call back on a follow-up case, per survey kind (cases/case-service.ts).
  router.post('/admin/case-due-days', async (req, res) => {
    if (!provinceWide(req.principal!)) throw new ForbiddenError('Only department staff set the follow-up time.');
    const parsed = caseDaysBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Give the survey kind and 1 to 60 working days.');
    const { kind, days } = parsed.data;
    const before = await dueWorkingDays(models, kind);
    await setDueWorkingDays(models, kind, days);
    await audit(models.Audit, { actor: req.principal!.label, action: 'case.dueDays.set', target: kind, details: { from: before, to: days } }, clock());
    res.redirect(303, '/admin/settings');
  });
}

/** The service index's points and thresholds per group, with their source (dossiers/service-index.ts). */
function serviceIndexRoutes(router: Router, { models, clock }: SettingsDeps): void {
  router.post('/admin/service-index', async (req, res) => {
    if (!provinceWide(req.principal!)) throw new ForbiddenError('Only department staff set the service index.');
    const parsed = serviceIndexBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Give the group, its points (0 to 100), its threshold (above 0, at most 100%) and the source.');
    const { id, points, thresholdPercent, source } = parsed.data;
    const threshold = Math.round(thresholdPercent * 100) / 10000;
    const before = await setServiceIndexGroup(models, { id, points, threshold, source });
    await audit(
      models.Audit,
      { actor: req.principal!.label, action: 'serviceIndex.set', target: id, details: { from: { ...before }, to: { points, threshold, source } } },
      clock(),
    );
    res.redirect(303, '/admin/settings');
  });
}

function tokenRoutes(router: Router, deps: SettingsDeps): void {
  const { models, clock } = deps;
  router.post('/admin/tokens', async (req, res) => {
    const parsed = tokenBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Invalid token fields.');
    const unit = await models.Unit.findOne({ code: parsed.data.unitCode }).lean<Unit>();
    if (!unit) throw new NotFoundError('Unknown unit.');
    assertCanManage(req.principal!, unit);
    // Shown once; only its hash is stored.
    const now = clock();
    const { token, expiresAt } = await issueApiToken(
      models,
      { name: parsed.data.name, unitCode: unit.code, createdBy: req.principal!.label, days: parsed.data.days },
      now,
    );
    await audit(
      models.Audit,
      { actor: req.principal!.label, action: 'token.create', target: parsed.data.name, details: { unitCode: unit.code, expiresAt } },
      now,
    );
    res.setHeader('Cache-Control', 'no-store');
    await renderSettings(deps, req, res, token);
  });

  router.post('/admin/tokens/:id/revoke', async (req, res) => {
    const id = req.params.id;
    if (!/^[a-f0-9]{24}$/.test(id)) throw new NotFoundError();
    const token = await models.ApiToken.findById(id).lean();
    if (!token) throw new NotFoundError();
    const principal = req.principal!;
    if (token.createdBy !== principal.label) {
      if (!provinceWide(principal)) throw new ForbiddenError();
      // Not someone else's token of a role one may not manage (department staff and a super admin's token).
      const creator = await models.User.findOne({ email: token.createdBy }).lean();
      if (creator && !canManageUser(principal, { role: creator.role, unit: { code: creator.unitCode, ancestors: [] } })) throw new ForbiddenError();
    }
    const now = clock();
    await revokeApiToken(models, token._id, now);
    await audit(models.Audit, { actor: principal.label, action: 'token.revoke', target: token.name }, now);
    res.redirect(303, '/admin/settings');
  });
}
