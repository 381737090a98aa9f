import { Router, type Request, type Response } from 'express';
import { BadRequestError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Models } from '../models';
import { mailFailure, type Mailer } from '../mail/mailer';
import { accountMail, vietnamTimeOf } from '../access/account-mail';
import { audit } from '../access/audit';
import { throttleKeys } from '../access/login-throttle';
import { addressHashOf } from '../access/sign-in-guard';
import { consumeResetLink, createResetLink, isResetToken, peekResetLink } from '../access/password-reset';
import { hashPassword, newPasswordProblem } from '../access/passwords';
import { setOwnPassword } from '../access/accounts';
import { findManageableUser } from '../access/user-directory';

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/**
 * The reset page a link leads to (no sign-in: the link is the proof). Mounted before requireUser. The token
 * travels in the query string, which our request log leaves out, and in the form body, never in the path.
 */
export function passwordResetRoutes(deps: { models: Models; clock: () => Date; salt: () => Promise<string> }): Router {
  const { models, clock } = deps;
  const router = Router();

  const render = (req: Request, res: Response, status: number, locals: { token?: string; error?: string; done?: boolean }) => {
    res.setHeader('Cache-Control', 'no-store');
    // A CSRF token only for a live link: a stranger's request for a junk link stores nothing.
    const live = locals.token !== undefined && !locals.done;
    res.status(status).render('admin/reset', { csrf: live ? csrfToken(req, true) : '', token: '', error: '', done: false, ...locals });
  };

  router.get('/admin/reset', async (req, res) => {
    const token = req.query.token;
    if (!isResetToken(token) || !(await peekResetLink(models.PasswordReset, token, clock()))) {
      render(req, res, 404, { error: 'reset.invalid' });
      return;
    }
    render(req, res, 200, { token });
  });

  router.post('/admin/reset', async (req, res) => {
    const token = field(req.body, 'token');
    const now = clock();
    // Checked before the costly hash below, so junk tokens cost one read by `_id`.
    const email = isResetToken(token) ? await peekResetLink(models.PasswordReset, token, now) : null;
    if (!email) {
      render(req, res, 404, { error: 'reset.invalid' });
      return;
    }
    const problem = newPasswordProblem(field(req.body, 'password'), field(req.body, 'confirm'), email);
    if (problem) {
      render(req, res, 422, { token, error: problem });
      return;
    }
    const passwordHash = await hashPassword(field(req.body, 'password'));
    const link = await consumeResetLink(models.PasswordReset, token, now);
    const user = link ? await models.User.findOne({ email: link.email }).lean() : null;
    if (!link || !user || user.disabled) {
      render(req, res, 404, { error: 'reset.invalid' });
      return;
    }
    // The user chose this password: no forced change; every existing session of the account ends.
    await setOwnPassword(models, user._id, passwordHash, now);
    // The holder of the link may sign in from here at once: this address's failures on the account are forgiven.
    await models.LoginThrottle.deleteOne({ _id: throttleKeys(link.email, await addressHashOf(req, deps.salt)).pair.id });
    await audit(models.Audit, { actor: link.email, action: 'password.reset', details: { linkCreatedBy: link.createdBy } }, now);
    render(req, res, 200, { done: true });
  });
  return router;
}

/**
 * An administrator makes a one-time reset link for an account they manage (roles.ts). With SMTP it goes to the
 * account's own address and the administrator never sees it; without SMTP it is shown once to the administrator.
 */
export function resetLinkRoutes(deps: {
  models: Models;
  clock: () => Date;
  mailer: Mailer;
  smtpConfigured: boolean;
  mailFrom: string;
  publicBaseUrl: string;
}): Router {
  const { models, clock } = deps;
  const router = Router();

  router.post('/admin/users/:email/reset-link', async (req, res) => {
    const principal = req.principal!;
    const email = req.params.email.toLowerCase();
    const user = await findManageableUser(models, principal, email);
    if (user.disabled) throw new BadRequestError('This account is disabled.');
    const now = clock();
    const { token, expiresAt } = await createResetLink(models.PasswordReset, email, principal.label, now);
    const url = `${deps.publicBaseUrl}/admin/reset?token=${token}`;
    let delivery: 'email' | 'shown' | 'email-failed' = 'shown';
    if (deps.smtpConfigured) {
      try {
        await deps.mailer.send(resetMail({ to: email, from: deps.mailFrom, url, expiresAt }));
        delivery = 'email';
      } catch (error) {
        req.log?.warn({ failure: mailFailure(error) }, 'reset link e-mail failed; shown to the administrator instead');
        delivery = 'email-failed';
      }
    }
    await audit(models.Audit, { actor: principal.label, action: 'password.reset_link', target: email, details: { delivery } }, now);
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/reset-link', { csrf: csrfToken(req), user: principal.label, target: email, delivery, url: delivery === 'email' ? '' : url, expiresAt });
  });
  return router;
}

function resetMail(input: { to: string; from: string; url: string; expiresAt: Date }) {
  const text =
    `Quản trị viên đã tạo cho bạn một liên kết đặt lại mật khẩu Hài Lòng (dùng một lần, hết hạn lúc ${vietnamTimeOf(input.expiresAt)}):\n${input.url}\n\n` +
    `An administrator created a one-time link to set your Hài Lòng password (expires ${input.expiresAt.toISOString()}):\n${input.url}\n`;
  return accountMail({ from: input.from, to: input.to, subject: 'Đặt lại mật khẩu Hài Lòng / Reset your Hài Lòng password', text, kind: 'reset' });
}
