import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db';
import { createLogger } from '../../src/logger';
import { createModels, type Models } from '../../src/models';
import { createMailer } from '../../src/mail/mailer';
import { startReportSchedule } from '../../src/reports/schedule';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { createUser, signIn } from '../helpers/admin-fixtures';
import { inPool, listen } from '../helpers/http-server';
import { seedSurveyFixtures } from '../helpers/survey-fixtures';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { connectTestDatabase } from '../helpers/test-db';
import { Projector } from '../../src/projector/projector';

/** Two app instances on one database (two connections, as two processes would have). */
describe('two app instances on one database', () => {
  const config = loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: 'shared-secret-shared-secret-shared-0001', FORM_MIN_FILL_SECONDS: '0' });
  let dbA: Database;
  let dbB: Database;
  let models: Models;
  let appA: ReturnType<typeof createApp>;
  let appB: ReturnType<typeof createApp>;
  let sink: SmtpSink;

  beforeAll(async () => {
    dbA = await connectTestDatabase();
    await seedSurveyFixtures(dbA);
    dbB = await connectTestDatabase({ keepData: true });
    models = createModels(dbA.connection);
    await createUser(models, 'so@x.vn', 'super_admin', 'SGD');
    appA = createApp({ config, logger: createLogger('silent'), db: dbA });
    appB = createApp({ config, logger: createLogger('silent'), db: dbB });
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await dbA.close();
    await dbB.close();
    await sink.close();
  });

  it('when a user signs in on one instance, then the session works on the other', async () => {
    const agentA = await signIn(appA, 'so@x.vn');
    const cookie = (await agentA.get('/admin').expect(200)).request.cookies;
    expect(cookie).toContain('hl_sid=');
    await request(appB).get('/admin').set('Cookie', cookie).expect(200);
    await request(appB).get('/api/v1/links').set('Cookie', cookie).expect(200);
  });

  it("when one instance rate-limits a flooding address, then the limit is that instance's own (documented per-instance limits)", async () => {
    const code = (await models.Link.findOne({ surveyKey: 'edu-parent-thcs' }).lean())!.code;
    const server = await listen(appA);
    try {
      const statuses = await inPool(700, 16, async () => {
        const res = await fetch(`${server.baseUrl}/s/${code}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'overall=5',
        });
        await res.arrayBuffer();
        return res.status;
      });
      expect(statuses).toContain(429);
    } finally {
      await server.close();
    }
    const onB = await request(appB).post(`/s/${code}`).type('form').send('overall=5');
    expect(onB.status).toBe(400); // refused for its missing token, not rate limited: counters are per instance
  });

  it('when both instances catch up the monthly run at the same moment, then each recipient gets one mail', async () => {
    await models.Subscription.create({ email: 'giamdoc@x.vn', unitCode: 'SGD', kind: 'education', lang: 'vi', createdBy: 't', createdAt: new Date() });
    await models.Subscription.create({ email: 'pho@x.vn', unitCode: 'PGD-A', kind: 'education', lang: 'vi', createdBy: 't', createdAt: new Date() });
    const now = new Date('2026-12-02T03:00:00Z');
    const schedules = [dbA, dbB].map((db) => {
      const m = createModels(db.connection);
      const deps = {
        models: m,
        catalog: new SurveyCatalog(m.Survey),
        projector: new Projector(m.Response.db),
        mailer: createMailer(sink.url, createLogger('silent')),
        logger: createLogger('silent'),
        mailFrom: 'x@x.vn',
        publicBaseUrl: 'http://hailong.test',
      };
      return startReportSchedule(deps, '0 7 1 * *', () => now);
    });
    try {
      await Promise.all(schedules.map((s) => s.catchUp()));
      expect(sink.messages.map((m) => (m.to as { text: string }).text).sort()).toEqual(['giamdoc@x.vn', 'pho@x.vn']);
    } finally {
      schedules.forEach((s) => {
        s.stop();
      });
    }
  });
});
