import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { formatters } from '../stats/format';
import type { Unit } from '../units/unit.model';
import { unitsByCode } from '../units/unit-directory';
import { importUnits } from '../units/unit-import';
import { startRechain } from '../reorganisation/rechain';
import { rechainProgress, requestRechain } from '../units/rechain-state';
import type { Logger } from '../logger';
import { ROLES } from '../access/access.models';
import { audit } from '../access/audit';
import { pendingInvitations } from '../access/invitations';
import { inviteUser, type InviteDelivery } from '../access/invite-user';
import { readableUnits } from '../access/readable-units';
import { canRead, provinceWide, type Principal } from '../access/scope';
import { canManageUser } from '../access/roles';
import { findManageableUser, visibleUsers } from '../access/user-directory';
import { disableUser } from '../access/accounts';
import type { Projector } from '../projector/projector';

const requireProvinceWide = (p: Principal) => {
  if (!provinceWide(p)) throw new ForbiddenError('Only department staff can do this.');
};

const common = (req: Request, res: Response) => ({
  f: formatters(res.locals.lang as Lang),
  csrf: csrfToken(req),
  user: req.principal!.label,
  canEdit: provinceWide(req.principal!),
});

const userBody = z.object({
  email: z
    .email()
    .max(200)
    .transform((v) => v.toLowerCase()),
  name: z.string().trim().min(1).max(120),
  role: z.enum(ROLES),
  unitCode: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
});

/** Units (list, CSV import), users (list, invite, disable) and the audit log. */
export function directoryRoutes(deps: {
  models: Models;
  clock: () => Date;
  /** moves answers to today's tree after an import (reorganisation/rechain.ts) */
  projector: Projector;
  logger: Logger;
  invites: InviteDelivery;
}): Router {
  const router = Router();
  unitRoutes(router, deps);
  userRoutes(router, deps);
  router.get('/admin/audit', async (req, res) => {
    requireProvinceWide(req.principal!);
    res.render('admin/audit', { ...common(req, res), entries: await deps.models.Audit.find().sort({ at: -1 }).limit(300).lean() });
  });
  return router;
}

type DirectoryDeps = Parameters<typeof directoryRoutes>[0];

function unitRoutes(router: Router, { models, clock, projector, logger }: DirectoryDeps): void {
  router.get('/admin/units', async (req, res) => {
    res.render('admin/units', {
      ...common(req, res),
      units: await readableUnits(models, req.principal!),
      errors: [],
      imported: null,
      rechain: await rechainProgress(models),
    });
  });

  router.post('/admin/units/import', async (req, res) => {
    requireProvinceWide(req.principal!);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const csv = typeof body.csv === 'string' ? body.csv : '';
    if (!csv.trim()) throw new BadRequestError('Paste the CSV content.');
    const result = await importUnits(models.Unit, csv, clock());
    if (!result.errors.length)
      await audit(models.Audit, { actor: req.principal!.label, action: 'units.import', details: { imported: result.imported, moved: result.moved } }, clock());
    if (result.moved) {
      // The answers below the moved units follow them in the background; the pages say so meanwhile (rechain.ts).
      await requestRechain(models);
      void startRechain(models, projector, logger);
    }
    res.status(result.errors.length ? 422 : 200).render('admin/units', {
      ...common(req, res),
      units: await readableUnits(models, req.principal!),
      errors: result.errors,
      imported: result.errors.length ? null : result.imported,
      rechain: await rechainProgress(models),
    });
  });
}

/** The users page's locals; an invitation just sent replaces `invited`. */
async function usersPage({ models, clock }: DirectoryDeps, req: Request, res: Response) {
  const principal = req.principal!;
  const units = await unitsByCode(models.Unit);
  const invitations = (await pendingInvitations(models.Invitation, clock())).filter((i) =>
    canRead(principal, units.get(i.unitCode) ?? { code: i.unitCode, ancestors: [] }),
  );
  return {
    ...common(req, res),
    ...(await visibleUsers(models, principal)),
    invitations,
    units: await readableUnits(models, principal),
    roles: ROLES,
    invited: null,
  };
}

function userRoutes(router: Router, deps: DirectoryDeps): void {
  const { models, clock } = deps;
  router.get('/admin/users', async (req, res) => {
    res.render('admin/users', await usersPage(deps, req, res));
  });

  router.post('/admin/users', async (req, res) => {
    const principal = req.principal!;
    const parsed = userBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Invalid user fields.');
    const unit = await models.Unit.findOne({ code: parsed.data.unitCode }).lean<Unit>();
    if (!unit) throw new NotFoundError('Unknown unit.');
    // Nobody creates an account of a role they could not manage (roles.ts): no department staff making super admins.
    if (!canManageUser(principal, { role: parsed.data.role, unit })) throw new ForbiddenError('You cannot create an account with this role here.');
    // An invitation, the same whether or not the address has an account elsewhere (invite-user.ts).
    const invited = await inviteUser(models, deps.invites, principal, { ...parsed.data, unitName: unit.name }, clock(), req.log);
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/users', { ...(await usersPage(deps, req, res)), invited });
  });

  router.post('/admin/users/:email/disable', async (req, res) => {
    const email = req.params.email.toLowerCase();
    if (email === req.principal!.label) throw new BadRequestError('You cannot disable yourself.');
    await findManageableUser(models, req.principal!, email);
    const now = clock();
    // Their API tokens go with them.
    const tokensRevoked = await disableUser(models, email, now);
    await audit(models.Audit, { actor: req.principal!.label, action: 'user.disable', target: email, details: { tokensRevoked } }, now);
    res.redirect(303, '/admin/users');
  });
}
