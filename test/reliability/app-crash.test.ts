import type { Collection } from 'mongoose';
import type { CaseDoc } from '../../src/cases/case.model';
import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import { readState } from '../../src/projector/projector-state';
import { notTakenIn, recountProjections } from '../../src/projector/recount';
import type { ResponseDoc } from '../../src/responses/response.model';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { startAppProcess, stopAppProcess, type AppProcess } from '../helpers/app-process';
import { allAnswers, pathOf, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { connectTestDatabase, testDatabaseUri } from '../helpers/test-db';
import { waitFor } from '../helpers/wait';
import { runLoad, type Attempt, type Target } from './load-driver';
import { reconcile } from './reconcile';

/**
 * Issue 24's crash test: app processes killed with SIGKILL at random points while answers arrive that carry
 * everything an answer can (comments, low scores with contact consent, dossier codes, some reused, a crowded
 * address), then started again on the same database. Within 60 s of the restart, without any help from the test:
 * every accepted answer is stored once and counted once, the figures and both lists equal a recount of the stored
 * answers, and every low score with consent has exactly one case. Once with one instance, once with two.
 */
jest.setTimeout(240_000);

const SECRET = 'crash-secret-crash-secret-crash-secret-01';
const random = (n: number) => Math.floor(Math.random() * n);

function targetsOf(fx: SurveyFixtures): Target[] {
  const form = (key: string, extra: (overall: number) => Record<string, string>): Target => {
    const instrument = fx.instrument(key);
    return {
      path: pathOf(instrument, fx.links[key]!),
      fields: () => {
        const overall = 1 + random(instrument.scale);
        return { ...allAnswers(instrument, overall), ...extra(overall) };
      },
    };
  };
  return [
    form('edu-parent-thcs', (overall) => ({
      ...(random(2) ? { comment: `Ý kiến ${random(1e6)}` } : {}),
      ...(overall <= 2 && random(2) ? { contact_phone: `09${String(random(1e8)).padStart(8, '0')}`, consent_contact: 'yes' } : {}),
    })),
    // Dossier codes from a small pool: some are claimed twice (the second answer is flagged, not counted).
    form('tthc-sipas', () => ({ dossier_code: `HS-2026/${String(random(400)).padStart(4, '0')}`, ...(random(3) ? {} : { comment: 'Thủ tục nhanh' }) })),
    form('tthc-quick', () => ({})),
  ];
}

/**
 * What the restarted app must reach by itself: every stored answer taken in (its own inbox item gone), no batch
 * open. Items of requests killed before their answer was stored stay in the inbox until they are old enough to be
 * dropped (projector/plan-batch.ts ORPHAN_MS): they name no stored answer.
 */
async function projected(db: Database): Promise<boolean> {
  const waiting = await notTakenIn(db.connection);
  for await (const r of (db.connection.collection('responses') as unknown as Collection<ResponseDoc>).find({}, { projection: { intake: 1 } }))
    if (waiting(r)) return false;
  return !(await readState(db.connection)).open;
}

async function checkEverything(db: Database, models: Models, fx: SurveyFixtures, attempts: Attempt[]): Promise<void> {
  await waitFor(() => projected(db), 60_000, 500);
  const accepted = attempts.filter((a) => a.status === 303);
  expect(accepted.length).toBeGreaterThan(20);
  const result = await reconcile(models, accepted, Object.values(fx.links));
  expect(result.missing).toEqual([]);
  // Answers whose reply was cut off by the kill may be stored without the client seeing 303: never fewer.
  expect(result.stored).toBeGreaterThanOrEqual(result.accepted);
  expect(result.differences).toEqual([]);
  expect(result.rollupRespondents).toBe(result.counted);
  const recount = await recountProjections(models, new SurveyCatalog(models.Survey).scaleOf, { fix: false });
  expect(recount.differences).toEqual([]);
  expect(recount.lists.differences).toEqual([]);
  expect(recount.lists.documents).toBeGreaterThan(0);
  const responses = (await (models.Response.collection as unknown as Collection<ResponseDoc>).find({}).toArray()).filter((r) =>
    Object.values(fx.links).includes(r.linkCode),
  );
  const waiting = await notTakenIn(db.connection);
  expect(responses.filter(waiting)).toEqual([]);
  const low = responses.filter((r) => r.hasContact && r.surveyKey === 'edu-parent-thcs' && (r.overall ?? 5) <= 2);
  const cases = await (models.Case.collection as unknown as Collection<CaseDoc>).find({}).toArray();
  expect(low.length).toBeGreaterThan(0);
  expect(cases.map((c) => c.responseId).sort()).toEqual(low.map((r) => r._id).sort());
  expect(await models.Contact.countDocuments()).toBe(responses.filter((r) => r.hasContact).length);
}

describe('when app processes are killed with SIGKILL in the middle of submissions', () => {
  let db: Database;
  let fx: SurveyFixtures;
  let models: Models;
  const apps: AppProcess[] = [];
  const start = async () => {
    const app = await startAppProcess({ MONGODB_URI: testDatabaseUri(), SESSION_SECRET: SECRET, LOG_LEVEL: 'silent' });
    apps.push(app);
    return app;
  };
  const kill = (app: AppProcess) =>
    new Promise<void>((resolve) => {
      app.child.once('exit', () => {
        resolve();
      });
      app.child.kill('SIGKILL');
    });

  beforeEach(async () => {
    db = await connectTestDatabase();
    fx = await seedSurveyFixtures(db);
    models = createModels(db.connection);
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await stopAppProcess(app);
    await db.close();
  });

  it('then after a restart every accepted answer is there once, counted once, listed once and followed up once', async () => {
    let app = await start();
    let baseUrl = app.baseUrl;
    // The load follows the app to its new port after each restart: one respondent loop per phase.
    const attempts: Attempt[] = [];
    for (let kills = 0; kills < 3; kills++) {
      const phase = runLoad({ baseUrl, targets: targetsOf(fx), concurrency: 8, durationMs: 4_000, maxRespondents: 3_000, distinctClients: true, crowded: 5 });
      await new Promise((resolve) => setTimeout(resolve, 500 + random(2_500)));
      await kill(app);
      attempts.push(...(await phase));
      app = await start();
      baseUrl = app.baseUrl;
    }
    await checkEverything(db, models, fx, attempts);
  });

  it('then with two instances, one killed and started again while both take answers, nothing is lost or doubled either', async () => {
    const steady = await start();
    let victim = await start();
    const onSteady = runLoad({
      baseUrl: steady.baseUrl,
      targets: targetsOf(fx),
      concurrency: 4,
      durationMs: 9_000,
      maxRespondents: 3_000,
      distinctClients: true,
      crowded: 5,
    });
    const attempts: Attempt[] = [];
    for (let kills = 0; kills < 2; kills++) {
      const phase = runLoad({
        baseUrl: victim.baseUrl,
        targets: targetsOf(fx),
        concurrency: 4,
        durationMs: 3_000,
        maxRespondents: 3_000,
        distinctClients: true,
        crowded: 5,
      });
      await new Promise((resolve) => setTimeout(resolve, 500 + random(2_000)));
      await kill(victim);
      attempts.push(...(await phase));
      victim = await start();
    }
    attempts.push(...(await onSteady));
    await checkEverything(db, models, fx, attempts);
  });
});
