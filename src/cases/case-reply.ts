import { audit } from '../access/audit';
import type { Principal } from '../access/scope';
import type { Logger } from '../logger';
import type { Models } from '../models';
import { escapeHtml } from '../mail/escape-html';
import { PATTERNS } from '../surveys/submission-schema';
import { mailFailure, type Mailer } from '../mail/mailer';
import type { CaseDoc } from './case.model';
import { collectionOf } from '../data/by-id';

export const REPLY_MAX_CHARS = 1000;

export interface ReplyDeps {
  models: Models;
  mailer: Mailer;
  mailFrom: string;
  logger: Logger;
}

/**
 * The one short note a closed case may send the citizen, only to an e-mail address given with contact consent
 * (the consent wording names contacting them back about the answer). At most once per case, whoever clicks: the
 * note is recorded on the case by a conditional update first, and only the caller that recorded it sends. A failed
 * delivery is recorded and shown on the case page; it is not retried (the citizen's phone remains). The address is
 * never logged or audited. Returns whether a note was sent now.
 */
export async function sendClosingReply(deps: ReplyDeps, principal: Principal, closed: CaseDoc, text: string, unitName: string, now: Date): Promise<boolean> {
  const note = text.trim().slice(0, REPLY_MAX_CHARS);
  if (!note) return false;
  const contact = await deps.models.Contact.findOne({ responseId: closed.responseId }).lean();
  // Exactly one address, as the form takes it now (an older contact could hold "a@b.vn,c@d.vn").
  if (!contact?.email || !PATTERNS.email.test(contact.email)) return false;
  const cases = collectionOf<CaseDoc>(deps.models.Case);
  const recorded = await cases.updateOne({ _id: closed._id, reply: { $exists: false } }, { $set: { reply: { text: note, by: principal.label, at: now } } });
  if (recorded.modifiedCount !== 1) return false;
  try {
    await deps.mailer.send({
      from: deps.mailFrom,
      to: { name: '', address: contact.email },
      subject: `Phản hồi ý kiến của bạn về ${unitName} / A reply to your feedback`,
      text: `${note}\n\n— ${unitName}\n\n${FOOTER.vi}\n${FOOTER.en}\n`,
      html: `<p style="white-space:pre-line">${escapeHtml(note)}</p><p>— ${escapeHtml(unitName)}</p><p><small>${escapeHtml(FOOTER.vi)}<br>${escapeHtml(FOOTER.en)}</small></p>`,
      messageId: `<case-${closed._id}@hailong>`,
      attachments: [],
    });
    await cases.updateOne({ _id: closed._id }, { $set: { 'reply.sentAt': now } });
    await audit(deps.models.Audit, { actor: principal.label, action: 'case.reply', target: closed._id }, now);
    return true;
  } catch (error) {
    deps.logger.warn({ failure: mailFailure(error), case: closed._id }, 'case reply: e-mail not delivered');
    await cases.updateOne({ _id: closed._id }, { $set: { 'reply.failed': true } });
    await audit(deps.models.Audit, { actor: principal.label, action: 'case.reply.failed', target: closed._id }, now);
    return false;
  }
}

const FOOTER = {
  vi: 'Thư này được gửi một lần vì bạn đã đồng ý để được liên hệ lại về ý kiến của mình. Thông tin liên hệ của bạn sẽ được xóa sau 30 ngày.',
  en: 'This e-mail is sent once because you agreed to be contacted about your feedback. Your contact details are deleted after 30 days.',
};
