import { Router, type Request, type Response } from 'express';
import { csrfToken } from '../http/csrf';
import type { Models } from '../models';
import { audit } from '../access/audit';
import { consumeInvitation, isInvitationToken, peekInvitation } from '../access/invitations';
import { hashPassword, newPasswordProblem } from '../access/passwords';
import { createInvitedUser } from '../access/accounts';

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/**
 * The page an invitation leads to (no sign-in: the link is the proof): the invitee chooses a password, and the
 * account is made then. Mounted before requireUser. The token travels in the query string, which our request log
 * leaves out, and in the form body, never in the path.
 */
export function invitationRoutes(deps: { models: Models; clock: () => Date }): Router {
  const { models, clock } = deps;
  const router = Router();

  const render = (req: Request, res: Response, status: number, locals: { token?: string; email?: string; error?: string; done?: boolean }) => {
    res.setHeader('Cache-Control', 'no-store');
    // A CSRF token only for a live link: a stranger's request for a junk link stores nothing.
    const live = locals.token !== undefined && !locals.done;
    res.status(status).render('admin/invite', { csrf: live ? csrfToken(req, true) : '', token: '', email: '', error: '', done: false, ...locals });
  };

  router.get('/admin/invite', async (req, res) => {
    const token = req.query.token;
    const invitation = isInvitationToken(token) ? await peekInvitation(models.Invitation, token, clock()) : null;
    if (!invitation) {
      render(req, res, 404, { error: 'invite.invalid' });
      return;
    }
    render(req, res, 200, { token: token as string, email: invitation.email });
  });

  router.post('/admin/invite', async (req, res) => {
    const token = field(req.body, 'token');
    const now = clock();
    // Checked before the costly hash below, so junk tokens cost one read by `_id`.
    const invitation = isInvitationToken(token) ? await peekInvitation(models.Invitation, token, now) : null;
    if (!invitation) {
      render(req, res, 404, { error: 'invite.invalid' });
      return;
    }
    const problem = newPasswordProblem(field(req.body, 'password'), field(req.body, 'confirm'), invitation.email);
    if (problem) {
      render(req, res, 422, { token, email: invitation.email, error: problem });
      return;
    }
    const passwordHash = await hashPassword(field(req.body, 'password'));
    const taken = await consumeInvitation(models.Invitation, token, now);
    if (!taken) {
      render(req, res, 404, { error: 'invite.invalid' });
      return;
    }
    const { email, name, role, unitCode, invitedBy } = taken;
    const created = await createInvitedUser(models, { email, name, role, unitCode, passwordHash }, now);
    if (!created) {
      // Only whoever holds the link learns this: with SMTP, the owner of the address.
      render(req, res, 409, { error: 'invite.taken' });
      return;
    }
    await audit(models.Audit, { actor: email, action: 'user.create', target: email, details: { role, unitCode, invitedBy } }, now);
    render(req, res, 200, { done: true });
  });
  return router;
}
