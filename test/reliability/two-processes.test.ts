import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, type Database } from '../../src/db';
import { PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { readRunningState } from '../../src/embedded-db/running-state';
import { createLogger } from '../../src/logger';
import { createApiToken } from '../helpers/admin-fixtures';
import { startAppProcess, stopAppProcess, type AppProcess } from '../helpers/app-process';
import { allAnswers, pathOf, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { waitFor } from '../helpers/wait';
import { countStatuses, post, runLoad, type Target } from './load-driver';
import { reconcile } from './reconcile';
import { tokenFrom } from '../helpers/survey-fixtures';

/**
 * Two real app processes on one database, as a deployment of several instances runs: A starts the embedded
 * FerretDB (npm start's default), B is pointed at it with MONGODB_URI. Respondents answer through both at once;
 * afterwards both give the same figures, equal to a recount, and an answer given to one is in the other's very
 * next figures (no cache of either may hide it). Kept small for a busy 2-core machine: the point is the overlap.
 */
const DIST = path.join(PROJECT_ROOT, 'dist');
const LOAD_MS = 15_000;
const startInstance = (env: Record<string, string>) => startAppProcess({ SESSION_SECRET: 'two-processes-secret-two-processes-secret', ...env });

describe('two app processes on one database', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-two-'));
  let a: AppProcess | undefined;
  let b: AppProcess | undefined;
  let db: Database;
  let fx: SurveyFixtures;
  let uri: string;
  let token: string;

  beforeAll(async () => {
    a = await startInstance({ DATA_DIR: dataDir });
    uri = readRunningState(path.join(dataDir, 'ferretdb'))!.uri;
    b = await startInstance({ MONGODB_URI: uri, DATA_DIR: dataDir });
    db = await connectDatabase(uri, createLogger('silent'));
    fx = await seedSurveyFixtures(db);
    token = await createApiToken(fx.models, 'SGD');
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await stopAppProcess(b);
    await stopAppProcess(a);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const stats = async (instance: AppProcess, kind: string) => {
    const res = await fetch(`${instance.baseUrl}/api/v1/stats?kind=${kind}&unit=SGD`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { headline: { n: number }; byMonth: unknown; byUnit: unknown; byQuestion: unknown };
  };

  it("when respondents answer through both for 15 s, then every accepted answer counts once and both give the recount's figures", async () => {
    const keys = ['edu-parent-tieuhoc', 'edu-parent-thpt', 'tthc-sipas', 'tthc-quick'];
    const targets: Target[] = keys.map((key) => {
      const instrument = fx.instrument(key);
      return { path: pathOf(instrument, fx.links[key]!), fields: () => allAnswers(instrument, 1 + Math.floor(Math.random() * instrument.scale)) };
    });
    const load = (instance: AppProcess) =>
      runLoad({ baseUrl: instance.baseUrl, targets, concurrency: 4, durationMs: LOAD_MS, maxRespondents: 5000, distinctClients: true });
    const [onA, onB] = await Promise.all([load(a!), load(b!)]);

    expect(countStatuses([...onA, ...onB])).toEqual({ 303: onA.length + onB.length });
    expect(onA.length).toBeGreaterThan(20);
    expect(onB.length).toBeGreaterThan(20);
    const result = await reconcile(fx.models, [...onA, ...onB], Object.values(fx.links));
    expect(result.missing).toEqual([]);
    expect(result.stored).toBe(onA.length + onB.length);
    expect(result.counted).toBe(onA.length + onB.length);
    expect(result.rollupRespondents).toBe(result.counted);

    // The recount as an operator runs it, a third process on the same database.
    const check = spawnSync(process.execPath, [path.join(DIST, 'scripts', 'rollups-rebuild.js'), '--check'], {
      env: { PATH: process.env.PATH, MONGODB_URI: uri, LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(check.stdout).toContain(`${onA.length + onB.length} counted responses`);
    expect(check.stdout).toContain('0 difference(s)');
    expect(check.status).toBe(0);

    for (const kind of ['education', 'tthc']) {
      const [fromA, fromB] = await Promise.all([stats(a!, kind), stats(b!, kind)]);
      expect(fromB).toEqual(fromA);
    }
    const education = await stats(a!, 'education');
    const tthc = await stats(a!, 'tthc');
    expect(education.headline.n + tthc.headline.n).toBe(result.counted);
  }, 180_000);

  it("when one answer is accepted by one instance, then its own next figures include it, and the other's as soon as its writes land", async () => {
    const instrument = fx.instrument('tthc-quick');
    const route = pathOf(instrument, fx.links['tthc-quick']!);
    for (const [writer, reader] of [
      [a!, b!],
      [b!, a!],
    ] as const) {
      const before = (await stats(reader, 'tthc')).headline.n;
      const page = await fetch(`${writer.baseUrl}${route}`, { headers: { 'x-forwarded-for': '10.200.0.1' } });
      const posted = await post(
        writer.baseUrl,
        route,
        { _token: tokenFrom(await page.text()), ...allAnswers(instrument, 3) },
        { 'x-forwarded-for': '10.200.0.1' },
      );
      expect(posted.status).toBe(303);
      // The figure writes finish after the thank-you page (write-behind.ts): the writer's own reads wait for them,
      // another instance sees them once they land (milliseconds; the bound here is for a busy machine).
      expect((await stats(writer, 'tthc')).headline.n).toBe(before + 1);
      await waitFor(async () => (await stats(reader, 'tthc')).headline.n === before + 1, 5_000, 50);
    }
  });
});
