import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { csrfToken } from '../http/csrf';
import type { Models } from '../models';
import { audit } from '../access/audit';
import { hashPassword, MAX_PASSWORD_LENGTH, newPasswordProblem } from '../access/passwords';
import { addressHashOf, checkPassword } from '../access/sign-in-guard';

const changeBody = z.object({
  current: z.string().max(MAX_PASSWORD_LENGTH),
  // Longer values are caught by the policy with a message, not refused as a malformed form.
  password: z.string().max(10_000),
  confirm: z.string().max(10_000),
  _csrf: z.string().optional(),
});

/**
 * While a user must replace a password someone else chose, every admin page leads to the change form
 * (mounted on /admin after requireUser; signing out stays possible, it is routed before this).
 */
export const requirePasswordChange: RequestHandler = (req, res, next) => {
  if (!req.passwordChangeRequired || req.path === '/password') return next();
  res.redirect(303, '/admin/password');
};

/** Changing one's own password: the current one (throttled like a sign-in), then the new one twice. */
export function passwordRoutes(deps: { models: Models; clock: () => Date; salt: () => Promise<string> }): Router {
  const { models, clock } = deps;
  const router = Router();

  const render = (req: Request, res: Response, status: number, error = '', minutes: number | '' = '') => {
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(status)
      .render('admin/password', { csrf: csrfToken(req), user: req.principal!.label, forced: req.passwordChangeRequired === true, error, minutes });
  };

  router.get('/admin/password', (req, res) => render(req, res, 200));

  router.post('/admin/password', async (req, res) => {
    const principal = req.principal!;
    if (principal.kind !== 'user') return render(req, res, 403, 'password.notAllowed');
    const parsed = changeBody.safeParse(req.body ?? {});
    if (!parsed.success) return render(req, res, 400, 'password.invalid');
    const { current, password, confirm } = parsed.data;
    const problem = newPasswordProblem(password, confirm, principal.label);
    if (problem) return render(req, res, 422, problem);
    if (password === current) return render(req, res, 422, 'password.same');

    const now = clock();
    const addressHash = await addressHashOf(req, deps.salt);
    // The same guard as sign-in: a stolen session cannot be used to guess the password behind it.
    const outcome = await checkPassword(models, { email: principal.label, addressHash, password: current }, now);
    if (outcome.kind === 'locked')
      return render(req, res, 429, 'admin.login.locked', Math.max(1, Math.ceil((outcome.until.getTime() - now.getTime()) / 60_000)));
    if (outcome.kind === 'busy' || outcome.kind === 'overloaded') return render(req, res, 429, 'admin.login.busy');
    if (outcome.kind === 'failed') {
      await audit(models.Audit, { actor: principal.label, action: 'password.change_failed' }, now);
      return render(req, res, 422, 'password.currentWrong');
    }

    const updated = await models.User.findOneAndUpdate(
      { _id: outcome.user._id },
      { $set: { passwordHash: await hashPassword(password), mustChangePassword: false, passwordChangedAt: now }, $inc: { credentialVersion: 1 } },
      { returnDocument: 'after' },
    ).lean();
    await audit(models.Audit, { actor: principal.label, action: 'password.change' }, now);
    // Other sessions of this user end (their credentialVersion is now old); this one continues under a new id.
    const signedInAt = req.session.signedInAt;
    await new Promise<void>((resolve, reject) => req.session.regenerate((error?: Error | null) => (error ? reject(error) : resolve())));
    req.session.userId = principal.id;
    req.session.signedInAt = signedInAt;
    req.session.lastSeenAt = now.getTime();
    req.session.credentialVersion = updated?.credentialVersion ?? 0;
    await new Promise<void>((resolve, reject) => req.session.save((error?: Error | null) => (error ? reject(error) : resolve())));
    res.redirect(303, '/admin');
  });
  return router;
}
