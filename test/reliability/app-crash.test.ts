import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { createModels, type Models } from '../../src/models';
import type { Database } from '../../src/db';
import { allAnswers, pathOf, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { connectTestDatabase, testDatabaseUri } from '../helpers/test-db';
import { waitFor } from '../helpers/wait';
import { runLoad } from './load-driver';
import { reconcile } from './reconcile';

const SERVER = path.join(PROJECT_ROOT, 'dist', 'src', 'server.js');

function startApp(port: number): ChildProcess {
  return spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      MONGODB_URI: testDatabaseUri(),
      LOG_LEVEL: 'silent',
      SESSION_SECRET: 'crash-secret-crash-secret-crash-secret-01',
      FORM_MIN_FILL_SECONDS: '0',
      REPORT_SCHEDULE: 'false',
      // One instance: at start, every pending rollup belongs to a request that died with the old process.
      ROLLUP_REPAIR_GRACE_SECONDS: '0',
    },
    stdio: 'ignore',
  });
}

describe('when the app is killed with SIGKILL in the middle of submissions', () => {
  let db: Database;
  let fx: SurveyFixtures;
  let models: Models;
  let app: ChildProcess | undefined;
  beforeAll(async () => {
    db = await connectTestDatabase();
    fx = await seedSurveyFixtures(db);
    models = createModels(db.connection);
  });
  afterAll(async () => {
    app?.kill('SIGKILL');
    await db.close();
  });

  it('then after a restart every accepted answer is there once and the figures reconcile', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const ready = async () => (await fetch(`${baseUrl}/readyz`).then((r) => r.status, () => 0)) === 200;
    app = startApp(port);
    await waitFor(ready, 20_000, 200);

    const keys = ['edu-parent-tieuhoc', 'tthc-quick', 'edu-parent-thcs'];
    const targets = keys.map((key) => ({ path: pathOf(fx.instrument(key), fx.links[key]!), fields: () => allAnswers(fx.instrument(key), 2) }));
    const load = runLoad({ baseUrl, targets, concurrency: 8, durationMs: 4_000, maxRespondents: 3_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    app.kill('SIGKILL');
    const attempts = await load;
    expect(attempts.some((a) => a.status === 303)).toBe(true);

    app = startApp(port);
    await waitFor(ready, 20_000, 200);
    // Start-up has finished its repair once readiness and a page answer; give the repair a moment to write.
    await waitFor(async () => (await models.RollupJournal.countDocuments()) === 0, 10_000, 200);

    const accepted = attempts.filter((a) => a.status === 303);
    const result = await reconcile(models, accepted, Object.values(fx.links));
    expect(result.missing).toEqual([]);
    // Answers whose reply was cut off by the kill may be stored without the client seeing 303: never fewer.
    expect(result.stored).toBeGreaterThanOrEqual(result.accepted);
    expect(result.differences).toEqual([]);
    expect(result.rollupRespondents).toBe(result.counted);
  }, 90_000);
});
