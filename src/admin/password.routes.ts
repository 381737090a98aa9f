import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { csrfToken } from '../http/csrf';
import type { Models } from '../models';
import { audit } from '../access/audit';
import { hashPassword, MAX_PASSWORD_LENGTH, newPasswordProblem } from '../access/passwords';
import { setOwnPassword } from '../access/accounts';
import { addressHashOf, checkPassword } from '../access/sign-in-guard';
import { regenerateSession, saveSession } from '../access/session';
import type { Principal } from '../access/scope';

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
  if (!req.passwordChangeRequired || req.path === '/password') {
    next();
    return;
  }
  res.redirect(303, '/admin/password');
};

/** Why the form is refused before the current password is checked (status and message), or the passwords it holds. */
function readForm(principal: Principal, body: unknown): { status: number; error: string } | { current: string; password: string } {
  if (principal.kind !== 'user') return { status: 403, error: 'password.notAllowed' };
  const parsed = changeBody.safeParse(body ?? {});
  if (!parsed.success) return { status: 400, error: 'password.invalid' };
  const { current, password, confirm } = parsed.data;
  const problem = newPasswordProblem(password, confirm, principal.label);
  if (problem) return { status: 422, error: problem };
  if (password === current) return { status: 422, error: 'password.same' };
  return { current, password };
}

/** Other sessions of this user end (their credentialVersion is now old); this one continues under a new id. */
async function renewSession(req: Request, changed: { userId: string; credentialVersion: number; now: Date }): Promise<void> {
  const signedInAt = req.session.signedInAt;
  await regenerateSession(req);
  req.session.userId = changed.userId;
  req.session.signedInAt = signedInAt;
  req.session.lastSeenAt = changed.now.getTime();
  req.session.credentialVersion = changed.credentialVersion;
  await saveSession(req);
}

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

  router.get('/admin/password', (req, res) => {
    render(req, res, 200);
  });

  router.post('/admin/password', async (req, res) => {
    const principal = req.principal!;
    const form = readForm(principal, req.body);
    if ('error' in form) {
      render(req, res, form.status, form.error);
      return;
    }
    const { current, password } = form;

    const now = clock();
    const addressHash = await addressHashOf(req, deps.salt);
    // The same guard as sign-in: a stolen session cannot be used to guess the password behind it.
    const outcome = await checkPassword(models, { email: principal.label, addressHash, password: current }, now);
    if (outcome.kind === 'locked') {
      render(req, res, 429, 'admin.login.locked', Math.max(1, Math.ceil((outcome.until.getTime() - now.getTime()) / 60_000)));
      return;
    }
    if (outcome.kind === 'busy' || outcome.kind === 'overloaded') {
      render(req, res, 429, 'admin.login.busy');
      return;
    }
    if (outcome.kind === 'failed') {
      await audit(models.Audit, { actor: principal.label, action: 'password.change_failed' }, now);
      render(req, res, 422, 'password.currentWrong');
      return;
    }

    const credentialVersion = await setOwnPassword(models, outcome.user._id, await hashPassword(password), now);
    await audit(models.Audit, { actor: principal.label, action: 'password.change' }, now);
    await renewSession(req, { userId: principal.id, credentialVersion, now });
    res.redirect(303, '/admin');
  });
  return router;
}
