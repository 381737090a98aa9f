import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { allAnswers, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { testApp } from '../helpers/test-app';
import { connectTestDatabase } from '../helpers/test-db';
import type { Database } from '../../src/db';

/**
 * Issue 25, item 7: the mailer logged `to` when SMTP was not configured, and a failed closing note logged the SMTP
 * error, which names the recipient. The docs (product.md) say the log keeps no address: a citizen's e-mail never reaches it.
 */
const now = new Date('2026-10-16T03:00:00Z');

describe('e-mail addresses and the log', () => {
  let sink: SmtpSink;
  let db: Database;
  let fx: SurveyFixtures;
  const lines: string[] = [];
  const logger = pino({ level: 'debug', base: undefined }, { write: (line: string) => void lines.push(line) });

  beforeAll(async () => {
    sink = await startSmtpSink();
    db = await connectTestDatabase();
    fx = await seedSurveyFixtures(db, now);
    await createUser(fx.models, 'pgd@example.vn', 'unit_manager', 'PGD-A');
  });
  afterAll(async () => {
    await db.close();
    await sink.close();
  });

  /** A low rating with consent and this address; closes its case with a note; returns the status of the close. */
  async function closeWithNote(app: Express, email: string): Promise<number> {
    const before = new Set((await fx.models.Case.find().lean()).map((c) => c._id));
    const fields = { ...allAnswers(fx.instrument('edu-parent-thcs'), 1), overall: '1', consent_contact: 'yes', contact_email: email };
    expect((await fillAndSubmit(request.agent(app), `/s/${fx.links['edu-parent-thcs']}`, fields)).res.status).toBe(303);
    const id = (await fx.models.Case.find().lean()).find((c) => !before.has(c._id))!._id;
    const pgd = await signIn(app, 'pgd@example.vn');
    const page = (await pgd.get(`/admin/cases/${id}`).expect(200)).text;
    return (
      await pgd
        .post(`/admin/cases/${id}`)
        .type('form')
        .send({ _csrf: csrfFrom(page), action: 'resolved', reply: 'Đã xử lý.' })
    ).status;
  }

  it('when SMTP is not configured and a case closes with a note, then the log says the note was not sent, without the address', async () => {
    const { app } = testApp(db, { LOG_LEVEL: 'debug' }, { clock: () => now, logger });
    const email = 'khongsmtp.phuhuynh@example.vn';
    lines.length = 0;
    expect(await closeWithNote(app, email)).toBe(303);
    expect(lines.join('\n')).toContain('case reply: e-mail not delivered');
    expect(lines.filter((line) => line.includes(email))).toEqual([]);
  });

  it('when the mail server refuses the note naming the recipient, then the log keeps the reply code, not the address', async () => {
    const { app } = testApp(db, { LOG_LEVEL: 'debug', SMTP_URL: sink.url, MAIL_FROM: 'hailong@so-gddt.example.vn' }, { clock: () => now, logger });
    const email = 'tuchoi.phuhuynh@example.vn';
    sink.failNext(550, 1, `5.1.1 <${email}>: Recipient address rejected: no such user`);
    lines.length = 0;
    expect(await closeWithNote(app, email)).toBe(303);
    const logged = lines.join('\n');
    expect(logged).toContain('case reply: e-mail not delivered');
    expect(logged).toContain('550');
    expect(logged).toContain('<address>');
    expect(lines.filter((line) => line.includes(email))).toEqual([]);
  });
});
