import fs from 'node:fs';
import { countedInFigures } from '../helpers/figure-counts';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';
import { startFerretDb, type EmbeddedDatabase } from '../../src/embedded-db/ferretdb';
import { createLogger } from '../../src/logger';
import { allAnswers, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { waitFor } from '../helpers/wait';

/** Its own FerretDB, because it stops and restarts the server in the middle of a submission. */
describe('when the database is down as a parent presses Send', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-form-outage-'));
  let server: EmbeddedDatabase;
  let db: Database;
  let fx: SurveyFixtures;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    server = await startFerretDb({ dataDir });
    db = await connectDatabase(server.uri, createLogger('silent'));
    fx = await seedSurveyFixtures(db);
    const config = loadConfig({ LOG_LEVEL: 'silent', FORM_MIN_FILL_SECONDS: '0', SESSION_SECRET: 'outage-secret-outage-secret-outage-0001' });
    app = createApp({ config, logger: createLogger('silent'), db });
  });

  afterAll(async () => {
    await db.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('then the answer gets 503 with the answers kept in the page, and sending again after recovery stores it exactly once', async () => {
    const code = fx.links['edu-parent-tieuhoc']!;
    const page = await request(app).get(`/s/${code}`).expect(200);
    const token = tokenFrom(page.text);
    const body = { _token: token, ...allAnswers(fx.instrument('edu-parent-tieuhoc'), 4), overall: '5', comment: 'Cô giáo rất tận tâm' };

    await server.stop();
    const started = Date.now();
    const down = await request(app).post(`/s/${code}`).type('form').send(body);
    expect(down.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(down.text).toContain('Hệ thống đang tạm gián đoạn');
    expect(down.text).toMatch(/name="overall" value="5" checked/);
    expect(down.text).toContain('Cô giáo rất tận tâm');
    expect(tokenFrom(down.text)).toBe(token);

    server = await startFerretDb({ dataDir, port: server.port });
    await waitFor(() => db.isReady(), 15000, 250);
    const again = await request(app)
      .post(`/s/${code}`)
      .type('form')
      .send({ ...body, _token: tokenFrom(down.text) });
    expect(again.status).toBe(303);
    const replay = await request(app).post(`/s/${code}`).type('form').send(body);
    expect(replay.status).toBe(303);
    expect(await fx.models.Response.countDocuments({ linkCode: code })).toBe(1);
    expect(await countedInFigures(fx.models, 'edu-parent-tieuhoc')).toBe(1);
  }, 60_000);
});
