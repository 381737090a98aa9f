import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import { csrfToken } from '../http/csrf';
import type { Models } from '../models';
import { audit } from '../access/audit';
import { addressHashOf, checkPassword, type CheckOutcome } from '../access/sign-in-guard';
import { destroySession, regenerateSession, saveSession } from '../access/session';

const loginBody = z.object({
  // Not empty: the address is the audit log's actor and the throttle's key (an empty one made the audit write fail: 500).
  email: z.string().trim().toLowerCase().min(1).max(200),
  password: z.string().max(200),
  _csrf: z.string().optional(),
  next: z.string().max(500).optional(),
});

/** Only return to our own admin pages after sign-in (never an open redirect). */
const safeNext = (next: string | undefined) => (next && /^\/admin(\/[\w\-/?=&%.]*)?$/.test(next) ? next : '/admin');

const renderLogin = (req: Parameters<typeof csrfToken>[0], res: Response, status: number, locals: Record<string, unknown> = {}) => {
  res.status(status).render('admin/login', {
    csrf: csrfToken(req, true),
    next: typeof req.query.next === 'string' ? req.query.next : '',
    error: '',
    email: '',
    expired: req.query.expired === '1',
    ...locals,
  });
};

/** A sign-in the guard refused: its audit entry, then the login page again saying why. */
async function refuseLogin(
  req: Parameters<typeof csrfToken>[0],
  res: Response,
  models: Models,
  { outcome, email, now }: { outcome: Exclude<CheckOutcome, { kind: 'ok' }>; email: string; now: Date },
): Promise<void> {
  if (outcome.kind === 'locked') {
    const minutes = Math.max(1, Math.ceil((outcome.until.getTime() - now.getTime()) / 60_000));
    await audit(models.Audit, { actor: email, action: 'login.locked' }, now);
    renderLogin(req, res, 429, { error: 'admin.login.locked', minutes, email });
    return;
  }
  if (outcome.kind === 'busy' || outcome.kind === 'overloaded') {
    // Counted as an attempt already; answered without a password check.
    await audit(models.Audit, { actor: email, action: 'login.busy' }, now);
    res.setHeader('Retry-After', '5');
    renderLogin(req, res, 429, { error: outcome.kind === 'busy' ? 'admin.login.busy' : 'admin.login.overloaded', email });
    return;
  }
  await audit(models.Audit, { actor: email, action: 'login.failure' }, now);
  renderLogin(req, res, 401, { error: 'admin.login.failed', email });
}

export function authRoutes(deps: { models: Models; config: Readonly<Config>; clock: () => Date; salt: () => Promise<string> }): Router {
  const { models, clock } = deps;
  const router = Router();

  router.get('/admin/login', (req, res) => {
    if (req.principal) {
      res.redirect(303, '/admin');
      return;
    }
    renderLogin(req, res, 200);
  });

  router.post('/admin/login', async (req, res) => {
    const parsed = loginBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      renderLogin(req, res, 400, { error: 'admin.login.invalid' });
      return;
    }
    const { email, password, next } = parsed.data;
    const now = clock();
    const addressHash = await addressHashOf(req, deps.salt);
    const outcome = await checkPassword(models, { email, addressHash, password }, now);
    if (outcome.kind !== 'ok') {
      await refuseLogin(req, res, models, { outcome, email, now });
      return;
    }
    const user = outcome.user;

    // A new session id at sign-in: a session fixed before login is worthless after it.
    await regenerateSession(req);
    req.session.userId = String(user._id);
    req.session.signedInAt = now.getTime();
    req.session.lastSeenAt = now.getTime();
    req.session.credentialVersion = user.credentialVersion ?? 0;
    await audit(models.Audit, { actor: email, action: 'login.success' }, now);
    // Saved before answering: express-session would otherwise flush the 303 while the store write is still
    // running, and a fast browser follows the redirect before its new session exists.
    await saveSession(req);
    res.redirect(303, safeNext(next));
  });

  router.post('/admin/logout', async (req, res) => {
    if (req.principal) await audit(models.Audit, { actor: req.principal.label, action: 'logout' }, clock());
    await destroySession(req);
    res.clearCookie('hl_sid');
    res.redirect(303, '/admin/login');
  });

  return router;
}
