import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { connectDatabase, createDatabase, watchConnection, type Database } from '../../src/db';
import { startFerretDb, type EmbeddedDatabase } from '../../src/embedded-db/ferretdb';
import { createLogger } from '../../src/logger';
import { createModels, type Models } from '../../src/models';
import { listen } from '../helpers/http-server';
import { allAnswers, pathOf, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { waitFor } from '../helpers/wait';
import { post, runLoad, tokenIdOf, type Attempt } from './load-driver';
import { reconcile } from './reconcile';

/** Its own FerretDB, killed and restarted while respondents keep submitting. */
describe('when the database dies and returns during load', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-fault-'));
  let ferret: EmbeddedDatabase;
  let db: Database;
  let fx: SurveyFixtures;
  let models: Models;
  let server: Awaited<ReturnType<typeof listen>>;
  let stopWatching = () => {};

  beforeAll(async () => {
    ferret = await startFerretDb({ dataDir });
    db = await connectDatabase(ferret.uri, createLogger('silent'));
    fx = await seedSurveyFixtures(db);
    models = createModels(db.connection);
    // TRUST_PROXY: each respondent answers from its own address (distinctClients). From loopback alone, a fast run
    // posted more than the 600 a minute one address may send to one link, and got 429s that are not this test's subject.
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      FORM_MIN_FILL_SECONDS: '0',
      TRUST_PROXY: '1',
      SESSION_SECRET: 'fault-secret-fault-secret-fault-secret-1',
    });
    server = await listen(createApp({ config, logger: createLogger('silent'), db }));
    // As server.ts does once the database is prepared: a driver that stays disconnected from a reachable server (seen
    // here 1 run in 5 after the restart) gets a new client.
    stopWatching = watchConnection(db, ferret.uri, createLogger('silent'));
  });
  afterAll(async () => {
    stopWatching();
    await server.close();
    await db.close();
    await ferret.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * Once seen in CI (not reproduced since, even with the CPU taken): /readyz stayed 503 for 30 s after the restart.
   * Says whether a fresh client reaches the restarted database (then the app's connection is at fault) and what
   * the database logged.
   */
  async function whoIsStuck(): Promise<string> {
    const probe = createDatabase(ferret.uri, createLogger('silent'));
    const fresh = await probe
      .open()
      .then(() => probe.isReady(5000))
      .catch((error: unknown) => `failed: ${String(error)}`);
    await probe.close().catch(() => undefined);
    const log = fs.existsSync(path.join(dataDir, 'ferretdb.log')) ? fs.readFileSync(path.join(dataDir, 'ferretdb.log'), 'utf8').slice(-3000) : '(no log)';
    return `a fresh client's ping: ${fresh}; the app's: ${await db.isReady(5000)}; the app's driver: ${driverState()}; FerretDB's log ends: ${log}`;
  }

  /** What the app's driver believes (internal fields, for the diagnosis only): the server's type and last error, and its pool. */
  function driverState(): string {
    const client = db.connection.getClient() as unknown as { topology?: { description?: unknown; s?: { servers?: Map<string, unknown> } } };
    const servers = [...(client.topology?.s?.servers?.values() ?? [])].map((server) => {
      const s = server as { description?: { type?: string; error?: { message?: string } }; pool?: object; s?: { state?: string } };
      const pool = (s.pool ?? {}) as Record<string, number | undefined>;
      const count = (name: string) => pool[name] ?? '?';
      return `type ${s.description?.type}, state ${s.s?.state}, error ${s.description?.error?.message ?? 'none'}, pool total ${count('totalConnectionCount')} available ${count('availableConnectionCount')} pending ${count('pendingConnectionCount')} checked out ${count('currentCheckedOutCount')} waiting ${count('waitQueueSize')}`;
    });
    return `mongoose readyState ${db.connection.readyState}; ${servers.join(' | ') || 'no servers'}`;
  }

  it('then answers in the outage get 503 with the answers kept, /readyz goes 503 and back, and after resending nothing is lost or doubled', async () => {
    const keys = ['edu-parent-thcs', 'tthc-quick'];
    const targets = keys.map((key) => ({
      path: pathOf(fx.instrument(key), fx.links[key]!),
      fields: () => allAnswers(fx.instrument(key), fx.instrument(key).scale),
    }));
    // Warm the link and survey caches so the forms can still be shown (and re-shown with a 503) during the outage.
    for (const t of targets) await fetch(`${server.baseUrl}${t.path}`);

    const load = runLoad({ baseUrl: server.baseUrl, targets, concurrency: 4, durationMs: 7_000, maxRespondents: 2_000, distinctClients: true });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await ferret.stop();
    // Generous limits: how fast readiness follows is database-outage.test.ts's subject; here a busy machine only
    // stretches the outage, and the load keeps running through it.
    await waitFor(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 503, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    ferret = await startFerretDb({ dataDir, port: ferret.port });
    // 60 s, twice the driver's socket timeout: twice on a busy machine (CI once, here once with other tests running
    // beside it) the app's pool stayed stuck past 30 s while a fresh client reached the restarted database; its
    // connections free themselves within the socket timeout. If readiness never comes back, the diagnosis says why.
    await waitFor(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, 60_000, 200).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}; ${await whoIsStuck()}`);
    });
    const attempts = await load;

    const outage = attempts.filter((a) => a.status === 503);
    expect(outage.length).toBeGreaterThan(0);
    // The odd statuses themselves, so a failure names what came back (a 500 once: see isDatabaseUnavailable).
    expect(attempts.filter((a) => a.status !== 303 && a.status !== 503).map((a) => a.status)).toEqual([]);

    // Each 503 page kept the answers and the token: sending it again stores the answer exactly once.
    const resent: Attempt[] = [];
    for (const [i, attempt] of outage.entries()) {
      const again = await post(server.baseUrl, attempt.path, attempt.body, { 'x-forwarded-for': `10.251.${(i >> 8) & 255}.${i & 255}` });
      expect(again.status).toBe(303);
      resent.push({ ...attempt, status: 303 });
    }
    const sample = await post(server.baseUrl, outage[0]!.path, outage[0]!.body);
    expect(sample.status).toBe(303);

    const accepted = [...attempts.filter((a) => a.status === 303), ...resent];
    const result = await reconcile(models, accepted, Object.values(fx.links));
    expect(result.missing).toEqual([]);
    expect(result.stored).toBe(new Set(accepted.map((a) => a.tokenId)).size);
    expect(result.differences).toEqual([]);
  }, 120_000);

  it('then a 503 form page carries the same token and the answers, ready to be sent again', async () => {
    const key = 'edu-parent-thcs';
    const pathname = pathOf(fx.instrument(key), fx.links[key]!);
    const token = tokenFrom(await (await fetch(`${server.baseUrl}${pathname}`)).text());
    await ferret.stop();
    try {
      const res = await post(server.baseUrl, pathname, { _token: token, ...allAnswers(fx.instrument(key), 4) });
      expect(res.status).toBe(503);
      expect(tokenIdOf(tokenFrom(res.text))).toBe(tokenIdOf(token));
      expect(res.text).toMatch(/name="overall" value="4" checked/);
    } finally {
      ferret = await startFerretDb({ dataDir, port: ferret.port });
      await waitFor(() => db.isReady(), 30_000, 200);
    }
  }, 60_000);
});
