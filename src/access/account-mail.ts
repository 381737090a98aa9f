import crypto from 'node:crypto';
import type { MailMessage } from '../mail/mailer';
import { escapeHtml } from '../mail/escape-html';

/**
 * The plain e-mails about an account (a reset link, an invitation, a notice): the text in Vietnamese then English,
 * and the same lines as HTML.
 */
export function accountMail(input: { from: string; to: string; subject: string; text: string; kind: string }): MailMessage {
  return {
    from: input.from,
    to: input.to,
    subject: input.subject,
    text: input.text,
    html: input.text.split('\n').map(escapeHtml).join('<br>'),
    messageId: `<${input.kind}-${crypto.randomUUID()}@hailong>`,
    attachments: [],
  };
}

/** A time as the invitee reads it (Asia/Ho_Chi_Minh). */
export const vietnamTimeOf = (at: Date) => at.toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
