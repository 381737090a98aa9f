import { BadRequestError } from '../errors';
import type { Logger } from '../logger';
import type { Models } from '../models';
import { mailFailure, type Mailer } from '../mail/mailer';
import { unitsByCode } from '../units/unit-directory';
import { accountMail, vietnamTimeOf } from './account-mail';
import type { Role, User } from './access.models';
import { audit } from './audit';
import { createInvitation } from './invitations';
import { canRead, type Principal } from './scope';

export interface InviteDelivery {
  mailer: Mailer;
  smtpConfigured: boolean;
  mailFrom: string;
  publicBaseUrl: string;
}

export interface Invited {
  email: string;
  /** by e-mail (the link is not shown), or shown once to the administrator (no SMTP, or the e-mail failed) */
  delivery: 'email' | 'shown' | 'email-failed';
  url: string;
  expiresAt: Date;
}

/**
 * Invites an address to an account of this role and unit (the caller's right to do so is checked before). An
 * address whose account the caller can see is refused: they can see it anyway. Any other address, free or taken
 * by an account elsewhere, gets the same invitation, the same answer and the same pending row (invitations.ts):
 * a free one receives the link, a taken one a notice that nothing changed. Without SMTP the administrator gets the
 * link to pass on, and so acts as the invitee: that mode (a demo) cannot hide a taken address.
 */
export async function inviteUser(
  models: Models,
  delivery: InviteDelivery,
  principal: Principal,
  invite: { email: string; name: string; role: Role; unitCode: string; unitName: string },
  now: Date,
  log?: Logger,
): Promise<Invited> {
  const existing = await models.User.findOne({ email: invite.email }).lean<User>();
  if (existing) {
    const unit = (await unitsByCode(models.Unit)).get(existing.unitCode) ?? { code: existing.unitCode, ancestors: [] };
    if (canRead(principal, unit)) throw new BadRequestError('This e-mail already has an account.');
  }
  const { email, name, role, unitCode } = invite;
  const { token, expiresAt } = await createInvitation(models.Invitation, { email, name, role, unitCode, invitedBy: principal.label }, now);
  const url = `${delivery.publicBaseUrl}/admin/invite?token=${token}`;
  let sent: Invited['delivery'] = 'shown';
  if (delivery.smtpConfigured) {
    try {
      const mail = existing
        ? takenNotice({ ...invite, from: delivery.mailFrom, invitedBy: principal.label })
        : invitationMail({ ...invite, from: delivery.mailFrom, url, expiresAt });
      await delivery.mailer.send(mail);
      sent = 'email';
    } catch (error) {
      log?.warn({ failure: mailFailure(error) }, 'invitation e-mail failed; the link is shown to the administrator instead');
      sent = 'email-failed';
    }
  }
  await audit(models.Audit, { actor: principal.label, action: 'user.invite', target: email, details: { role, unitCode, delivery: sent } }, now);
  return { email, delivery: sent, url: sent === 'email' ? '' : url, expiresAt };
}

function invitationMail(input: { email: string; unitName: string; from: string; url: string; expiresAt: Date }) {
  const text =
    `Bạn được mời dùng Hài Lòng (${input.unitName}). Hãy mở liên kết dưới đây để chọn mật khẩu (dùng một lần, hết hạn lúc ${vietnamTimeOf(input.expiresAt)}):\n${input.url}\n\n` +
    `You are invited to Hài Lòng (${input.unitName}). Open the link below to choose your password (single use, expires ${input.expiresAt.toISOString()}):\n${input.url}\n`;
  return accountMail({ from: input.from, to: input.email, subject: 'Lời mời dùng Hài Lòng / Your Hài Lòng invitation', text, kind: 'invite' });
}

/** To the owner of an address that already has an account: someone tried to invite it; nothing changed. */
function takenNotice(input: { email: string; unitName: string; from: string; invitedBy: string }) {
  const text =
    `${input.invitedBy} vừa mời địa chỉ này dùng Hài Lòng (${input.unitName}). Địa chỉ này đã có tài khoản nên không có gì thay đổi. ` +
    `Nếu bạn cần chuyển tài khoản sang đơn vị đó, hãy liên hệ Sở GDĐT.\n\n` +
    `${input.invitedBy} invited this address to Hài Lòng (${input.unitName}). It already has an account, so nothing has changed. ` +
    `If your account should move to that unit, ask the department.\n`;
  return accountMail({ from: input.from, to: input.email, subject: 'Lời mời dùng Hài Lòng / Your Hài Lòng invitation', text, kind: 'invite' });
}
