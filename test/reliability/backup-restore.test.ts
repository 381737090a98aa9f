import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, type Database } from '../../src/db';
import { PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { readTarGz } from '../../src/backup/tar';
import { readRunningState } from '../../src/embedded-db/running-state';
import { createLogger } from '../../src/logger';
import { createModels } from '../../src/models';
import { startAppProcess, stopAppProcess, type AppProcess } from '../helpers/app-process';
import { allAnswers, pathOf, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { post, runLoad, type Target } from './load-driver';
import { reconcile } from './reconcile';

/**
 * `npm run backup` while respondents answer, `npm run restore` into a new folder (issue 14): the restored database
 * holds every answer accepted before the backup began, and its figures (once the restored app has finished the
 * figure writes the backup caught half-way) equal a recount. The scripts run as an operator runs them, through
 * scripts/sqlite-node.cjs (Node.js 24 when the machine's node has no node:sqlite).
 */
const SECRET = 'backup-restore-secret-backup-restore-secret';

function runTool(script: 'backup' | 'restore', args: string[], dataDir: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'scripts', 'sqlite-node.cjs'), path.join(PROJECT_ROOT, 'dist', 'scripts', `${script}.js`), ...args],
      {
        env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'error' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.on('exit', (status) => {
      resolve({ status, output });
    });
  });
}

describe('backup and restore of the embedded database', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-backup-'));
  const liveDir = path.join(root, 'live');
  const restoredDir = path.join(root, 'restored');
  const file = path.join(root, 'backups', 'hailong.tar.gz');
  let live: AppProcess | undefined;
  let restored: AppProcess | undefined;
  let db: Database;
  let restoredDb: Database | undefined;
  let fx: SurveyFixtures;

  beforeAll(async () => {
    fs.mkdirSync(path.dirname(file));
    live = await startAppProcess({ DATA_DIR: liveDir, SESSION_SECRET: SECRET });
    db = await connectDatabase(readRunningState(path.join(liveDir, 'ferretdb'))!.uri, createLogger('silent'));
    fx = await seedSurveyFixtures(db);
    // Dossier claims written in an order that is not their ids' (as answers arrive): the backup must not keep it.
    const claims = db.connection.collection('dossier_claims');
    for (const hash of ['zz9', 'aa1', 'mm5']) await claims.insertOne({ _id: `tthc-sipas:${hash}`, retryTag: 't' } as never);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await restoredDb?.close();
    await stopAppProcess(restored);
    await stopAppProcess(live);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('when a backup is taken during submissions and restored into a new folder, then every answer accepted before it began is there and the figures equal the recount', async () => {
    const targets: Target[] = ['edu-parent-thcs', 'tthc-sipas', 'tthc-quick'].map((key) => {
      const instrument = fx.instrument(key);
      return { path: pathOf(instrument, fx.links[key]!), fields: () => allAnswers(instrument, 1 + Math.floor(Math.random() * instrument.scale)) };
    });
    const load = runLoad({ baseUrl: live!.baseUrl, targets, concurrency: 3, durationMs: 10_000, maxRespondents: 3000, distinctClients: true });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const backupBegan = Date.now();
    const backup = await runTool('backup', ['--out', file], liveDir);
    const backupEnded = Date.now();
    // On a busy machine the backup can outlast the load: a short load after it shows the app kept answering.
    const attempts = [
      ...(await load),
      ...(await runLoad({ baseUrl: live!.baseUrl, targets, concurrency: 2, durationMs: 1_500, maxRespondents: 200, distinctClients: true })),
    ];
    expect(backup).toMatchObject({ status: 0 });
    expect(backup.output).toContain(`backup written to ${file}`);

    const before = attempts.filter((a) => a.status === 303 && a.answeredAt < backupBegan);
    const after = attempts.filter((a) => a.status === 303 && a.answeredAt > backupEnded);
    expect(before.length).toBeGreaterThan(10);
    // The answers went on while the backup ran: it did not stop the app.
    expect(after.length).toBeGreaterThan(0);
    expect(attempts.filter((a) => a.status !== 303)).toEqual([]);

    const restore = await runTool('restore', [file], restoredDir);
    expect(restore).toMatchObject({ status: 0 });
    // A second restore into the same folder is refused and changes nothing.
    const again = await runTool('restore', [file], restoredDir);
    expect(again.status).toBe(1);
    expect(again.output).toContain('already holds a database');

    // A backup catches some answers in the projector's inbox, or a batch half-applied: the restored app's projector
    // finishes them (reconcile waits for it).
    restored = await startAppProcess({ DATA_DIR: restoredDir, SESSION_SECRET: SECRET });
    restoredDb = await connectDatabase(readRunningState(path.join(restoredDir, 'ferretdb'))!.uri, createLogger('silent'));
    const models = createModels(restoredDb.connection);
    const result = await reconcile(models, before, Object.values(fx.links));
    expect(result.missing).toEqual([]);
    expect(result.differences).toEqual([]);
    expect(result.rollupRespondents).toBe(result.counted);
    // Nothing the live database did not hold: the restored answers are a subset of the accepted ones.
    const accepted = new Set(attempts.filter((a) => a.status === 303).map((a) => a.tokenId));
    const restoredIds = (await models.Response.find({}, { _id: 1 }).lean()).map((r) => r._id);
    expect(restoredIds.filter((id) => !accepted.has(id))).toEqual([]);
    expect(restoredIds.length).toBeGreaterThanOrEqual(before.length);

    // The restored instance serves the form: the restored database is a working one.
    const page = await fetch(`${restored.baseUrl}${targets[0]!.path}`);
    expect(page.status).toBe(200);
  }, 240_000);

  // Issue 25, items 4 and 5: a backup kept the daily address salts as long as it was kept, and the claims in the
  // order their answers came.
  it('when a backup is taken, then its copy holds no address salt, its claims in the order of their ids and no free pages; the live database keeps its salts', async () => {
    const liveSalts = (await db.connection.collection('settings').find({}).toArray()).filter((doc) => String(doc._id).startsWith('address-salt:'));
    expect(liveSalts.length).toBeGreaterThan(0);
    const unpacked = path.join(root, 'unpacked');
    fs.mkdirSync(unpacked);
    const names = await readTarGz(file, unpacked);
    const copies = names.filter((name) => name.endsWith('.sqlite'));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const inspected = spawnSync(
        process.execPath,
        [path.join(PROJECT_ROOT, 'scripts', 'sqlite-node.cjs'), path.join(PROJECT_ROOT, 'test', 'helpers', 'inspect-sqlite.cjs'), path.join(unpacked, copy)],
        { encoding: 'utf8' },
      );
      expect(inspected.status).toBe(0);
      const held = JSON.parse(inspected.stdout) as { salts: string[]; claims: string[]; freePages: number };
      expect(held.salts).toEqual([]);
      expect(held.claims).toEqual([...held.claims].sort());
      expect(held.freePages).toBe(0);
      const bytes = fs.readFileSync(path.join(unpacked, copy));
      for (const salt of liveSalts) expect(bytes.includes(Buffer.from(String(salt.value)))).toBe(false);
    }
    // The restored app makes itself a new salt: an answer is taken as before.
    const target = fx.instrument('edu-parent-thcs');
    const page = await (await fetch(`${restored!.baseUrl}${pathOf(target, fx.links['edu-parent-thcs']!)}`)).text();
    const posted = await post(restored!.baseUrl, pathOf(target, fx.links['edu-parent-thcs']!), { _token: tokenFrom(page), ...allAnswers(target, 4) });
    expect(posted.status).toBe(303);
  });

  it('when the backup file is damaged, then restore refuses it and leaves the folder empty', async () => {
    const damaged = path.join(root, 'backups', 'damaged.tar.gz');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const emptyDir = path.join(root, 'empty');
    const result = await runTool('restore', [damaged], emptyDir);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/cut short|damaged|unexpected end/i);
    expect(fs.readdirSync(path.join(emptyDir, 'ferretdb'))).toEqual([]);
  });

  it('when MONGODB_URI is set, then backup points to mongodump instead', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'scripts', 'sqlite-node.cjs'), path.join(PROJECT_ROOT, 'dist', 'scripts', 'backup.js'), '--out', path.join(root, 'x.tar.gz')],
      {
        env: { PATH: process.env.PATH, MONGODB_URI: 'mongodb://127.0.0.1:1/x' },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('mongodump');
  });
});
