import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A local SMTP server catching the product's mail (no mail ever leaves the machine). `failNext(code, times)`
 * makes it refuse the next messages with that reply code (451 temporary, 550 permanent) and, if given, that text.
 */
export interface SmtpSink {
  url: string;
  messages: ParsedMail[];
  failNext(code: number, times?: number, message?: string): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  let failures: { code: number; left: number; message?: string } | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures && failures.left > 0) {
          failures.left -= 1;
          const error = Object.assign(new Error(failures.message ?? (failures.code >= 500 ? 'Mailbox unavailable' : 'Try again later')), {
            responseCode: failures.code,
          });
          callback(error);
          return;
        }
        simpleParser(Buffer.concat(chunks), { keepCidLinks: true }).then((mail) => {
          messages.push(mail);
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve();
    }),
  );
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    failNext(code, times = 1, message) {
      failures = { code, left: times, message };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
