import nodemailer from 'nodemailer';
import type { Logger } from '../logger';

export interface MailMessage {
  from: string;
  to: string;
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

/**
 * nodemailer over SMTP_URL. Without SMTP_URL nothing can be delivered: messages are logged and refused, so they
 * stay pending in the outbox and go out once SMTP is configured.
 */
export function createMailer(smtpUrl: string | undefined, logger: Logger): Mailer {
  if (!smtpUrl) {
    return {
      async send(message) {
        logger.warn({ to: message.to, subject: message.subject }, 'SMTP_URL is not set: e-mail not sent');
        throw Object.assign(new Error('SMTP_URL is not set'), { responseCode: 421 });
      },
    };
  }
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send(message) {
      await transport.sendMail(message);
    },
  };
}
