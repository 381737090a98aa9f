import request from 'supertest';
import type { Express } from 'express';
import { connectDatabase, type Database } from '../../src/db';
import { createLogger } from '../../src/logger';
import { allAnswers, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { testApp } from '../helpers/test-app';
import { testDatabaseUri } from '../helpers/test-db';

/**
 * The critical path of an answer (issue 24, item 1): whatever it carries, at most two database round trips stand
 * between the POST and its 303: the projector's inbox item, then the answer. Counted with the driver's own command
 * monitoring, so a later change cannot add one unnoticed. The projector of this app is stopped, so the commands
 * seen are the request's alone (its work is the subject of the projector's tests).
 */
describe('round trips of an answer before its redirect', () => {
  let db: Database;
  let app: Express;
  let fx: SurveyFixtures;
  const commands: string[] = [];

  beforeAll(async () => {
    db = await connectDatabase(`${testDatabaseUri()}?monitorCommands=true`, createLogger('silent'));
    await db.connection.dropDatabase();
    fx = await seedSurveyFixtures(db);
    const made = testApp(db, { TRUST_PROXY: '1' });
    app = made.app;
    await made.instance.projector.close();
    db.connection.getClient().on('commandStarted', (event) => commands.push(`${event.commandName} ${String(event.command[event.commandName])}`));
  });
  afterAll(() => db.close());

  /** Loads the form, then posts it from `address`; returns the commands the POST sent to the database. */
  async function post(path: string, fields: Record<string, string>, address: string): Promise<string[]> {
    const token = tokenFrom((await request(app).get(path).set('x-forwarded-for', address).expect(200)).text);
    commands.length = 0;
    const res = await request(app)
      .post(path)
      .set('x-forwarded-for', address)
      .type('form')
      .send({ _token: token, ...fields });
    expect(res.status).toBe(303);
    return [...commands];
  }

  it('when answers carry nothing, or a comment, a contact, a dossier code from a crowded address, then each costs two round trips: the inbox item, then the answer', async () => {
    const thcs = `/s/${fx.links['edu-parent-thcs']}`;
    const sipas = `/s/${fx.links['tthc-sipas']}`;
    // The first answer of the day also reads what is then kept: the link, the survey version, the salts.
    await post(thcs, allAnswers(fx.instrument('edu-parent-thcs'), 4), '203.0.113.1');
    await post(sipas, allAnswers(fx.instrument('tthc-sipas'), 4), '203.0.113.1');

    const plain = await post(thcs, allAnswers(fx.instrument('edu-parent-thcs'), 5), '203.0.113.2');
    expect(plain).toEqual(['insert projector_inbox', 'insert responses']);
    const everything = {
      ...allAnswers(fx.instrument('edu-parent-thcs'), 1),
      comment: 'Cổng trường ngập nước',
      contact_phone: '0912345678',
      consent_contact: 'yes',
    };
    for (let i = 0; i < 3; i++) expect(await post(thcs, everything, '198.51.100.7')).toEqual(['insert projector_inbox', 'insert responses']);
    const rated = {
      ...allAnswers(fx.instrument('tthc-sipas'), 2),
      dossier_code: 'HS-2026/0042',
      comment: 'Chậm',
      contact_email: 'a@b.vn',
      consent_contact: 'yes',
    };
    expect(await post(sipas, rated, '198.51.100.7')).toEqual(['insert projector_inbox', 'insert responses']);
  });
});
