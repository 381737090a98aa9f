import type { Transporter } from 'nodemailer';
import type { Logger } from '../logger';

export interface MailMessage {
  from: string;
  /** one recipient; an object for an address typed by a citizen, so nothing in it is read as a list */
  to: string | { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  messageId: string;
  attachments: { filename: string; content: Buffer; contentType: string; cid?: string; contentDisposition?: 'inline' | 'attachment' }[];
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** An SMTP error with the server's reply code: 4xx are temporary (retry), 5xx permanent (give up). */
export function smtpReplyCode(error: unknown): number | undefined {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' ? code : undefined;
}

const ADDRESS = /[^\s<>()[\],;:"@]+@[^\s<>()[\],;:"@]+/g;

/**
 * What of a failed delivery may be logged or stored: the SMTP reply code, nodemailer's error code and the message
 * with every e-mail address replaced. An SMTP server's refusal usually names the recipient ("550 5.1.1
 * <someone@example.vn>: no such user"), and a citizen's address must never reach the log (README, privacy).
 */
export function mailFailure(error: unknown): { responseCode?: number; code?: string; message: string } {
  const responseCode = smtpReplyCode(error);
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error instanceof Error ? error.message : String(error)).replace(ADDRESS, '<address>').slice(0, 500);
  return { ...(responseCode !== undefined ? { responseCode } : {}), ...(typeof code === 'string' ? { code } : {}), message };
}

/**
 * nodemailer over SMTP_URL. Without SMTP_URL nothing can be delivered: messages are logged and refused, so they
 * stay pending in the outbox and go out once SMTP is configured.
 */
export function createMailer(smtpUrl: string | undefined, logger: Logger): Mailer {
  if (!smtpUrl) {
    return {
      send(message) {
        // Not the recipient: it may be a citizen's (a case's closing note).
        logger.warn({ messageId: message.messageId }, 'SMTP_URL is not set: e-mail not sent');
        return Promise.reject(Object.assign(new Error('SMTP_URL is not set'), { responseCode: 421 }));
      },
    };
  }
  // nodemailer is loaded at the first message, not when the app starts: about 20 MB of RSS that an instance which
  // sends no mail does not need (docs/benchmarks.md, session 16).
  let transport: Promise<Transporter> | undefined;
  return {
    async send(message) {
      transport ??= import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }),
      );
      await (await transport).sendMail(message);
    },
  };
}
