import mongoose from 'mongoose';
import { Router } from 'express';
import { z } from 'zod';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { formatters } from '../stats/format';
import type { Unit } from '../units/unit.model';
import { importUnits } from '../units/unit-import';
import { startRechain } from '../units/rechain';
import { rechainProgress, requestRechain } from '../units/rechain-state';
import type { Logger } from '../logger';
import { ROLES } from './admin.models';
import { audit } from './audit';
import { generatePassword, hashPassword } from './passwords';
import { readableUnits } from './readable-units';
import { type Principal } from './scope';
import { canManageUser } from './roles';
import { findManageableUser, visibleUsers } from './user-directory';

const provinceWide = (p: Principal) => p.kind === 'user' && (p.role === 'super_admin' || p.role === 'department');
const requireProvinceWide = (p: Principal) => {
  if (!provinceWide(p)) throw new ForbiddenError('Only department staff can do this.');
};

const userBody = z.object({
  email: z.email().max(200).transform((v) => v.toLowerCase()),
  name: z.string().trim().min(1).max(120),
  role: z.enum(ROLES),
  unitCode: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
});

/** Units (list, CSV import), users (list, create with a one-time password, disable) and the audit log. */
export function directoryRoutes(deps: { models: Models; clock: () => Date; scaleOf: (key: string, version: number) => Promise<number>; logger: Logger }): Router {
  const { models, clock, scaleOf, logger } = deps;
  const router = Router();
  const common = (req: import('express').Request, res: import('express').Response) => ({
    f: formatters(res.locals.lang as Lang),
    csrf: csrfToken(req),
    user: req.principal!.label,
    canEdit: provinceWide(req.principal!),
  });

  router.get('/admin/units', async (req, res) => {
    res.render('admin/units', { ...common(req, res), units: await readableUnits(models, req.principal!), errors: [], imported: null, rechain: await rechainProgress(models) });
  });

  router.post('/admin/units/import', async (req, res) => {
    requireProvinceWide(req.principal!);
    const csv = typeof req.body?.csv === 'string' ? req.body.csv : '';
    if (!csv.trim()) throw new BadRequestError('Paste the CSV content.');
    const result = await importUnits(models.Unit, csv, clock());
    if (!result.errors.length) await audit(models.Audit, { actor: req.principal!.label, action: 'units.import', details: { imported: result.imported, moved: result.moved } }, clock());
    if (result.moved) {
      // The answers below the moved units follow them in the background; the pages say so meanwhile (rechain.ts).
      await requestRechain(models);
      void startRechain(models, scaleOf, logger);
    }
    res.status(result.errors.length ? 422 : 200).render('admin/units', {
      ...common(req, res),
      units: await readableUnits(models, req.principal!),
      errors: result.errors,
      imported: result.errors.length ? null : result.imported,
      rechain: await rechainProgress(models),
    });
  });

  router.get('/admin/users', async (req, res) => {
    const principal = req.principal!;
    res.render('admin/users', { ...common(req, res), ...(await visibleUsers(models, principal)), units: await readableUnits(models, principal), roles: ROLES, created: null });
  });

  router.post('/admin/users', async (req, res) => {
    const principal = req.principal!;
    const parsed = userBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Invalid user fields.');
    const unit = await models.Unit.findOne({ code: parsed.data.unitCode }).lean<Unit>();
    if (!unit) throw new NotFoundError('Unknown unit.');
    // Nobody creates an account of a role they could not manage (roles.ts): no department staff making super admins.
    if (!canManageUser(principal, { role: parsed.data.role, unit })) throw new ForbiddenError('You cannot create an account with this role here.');
    const password = generatePassword();
    try {
      // The creator knows this password: the new user must replace it at first sign-in.
      await models.User.create({ ...parsed.data, passwordHash: await hashPassword(password), mustChangePassword: true });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new BadRequestError('This e-mail already has an account.');
      throw error;
    }
    await audit(models.Audit, { actor: principal.label, action: 'user.create', target: parsed.data.email, details: { role: parsed.data.role, unitCode: unit.code } }, clock());
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/users', {
      ...common(req, res),
      ...(await visibleUsers(models, principal)),
      units: await readableUnits(models, principal),
      roles: ROLES,
      created: { email: parsed.data.email, password },
    });
  });

  router.post('/admin/users/:email/disable', async (req, res) => {
    const email = String(req.params.email).toLowerCase();
    if (email === req.principal!.label) throw new BadRequestError('You cannot disable yourself.');
    await findManageableUser(models, req.principal!, email);
    const now = clock();
    await models.User.updateOne({ email }, { $set: { disabled: true } });
    // Their API tokens go with them (authenticate.ts also refuses tokens of a disabled creator).
    const revoked = await models.ApiToken.updateMany({ createdBy: email, revokedAt: mongoose.trusted({ $exists: false }) }, { $set: { revokedAt: now } });
    await audit(models.Audit, { actor: req.principal!.label, action: 'user.disable', target: email, details: { tokensRevoked: revoked.modifiedCount } }, now);
    res.redirect(303, '/admin/users');
  });

  router.get('/admin/audit', async (req, res) => {
    requireProvinceWide(req.principal!);
    res.render('admin/audit', { ...common(req, res), entries: await models.Audit.find().sort({ at: -1 }).limit(300).lean() });
  });
  return router;
}
