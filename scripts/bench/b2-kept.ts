/**
 * node dist/scripts/bench/b2-kept.js <kept bench directory> [--duration 10] [--connections 16] [--profile] [--db-profile]
 * B2 (submissions against single-document raw inserts) on the database a `npm run bench -- --keep` run left
 * behind, without seeding again: for working on the submission path. Prints the rates, the POST p99, and the CPU
 * seconds the app process and FerretDB each used during the app's side (where the time goes between them).
 * --profile: the app with --cpu-prof; --db-profile: FerretDB's Go CPU profile of the app's side, in ferretdb-cpu.pprof.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connectDatabase } from '../../src/db';
import { startFerretDb } from '../../src/embedded-db/ferretdb';
import { createLogger } from '../../src/logger';
import { createModels } from '../../src/models';
import type { SyntheticTarget } from '../../src/seed/synthetic-responses';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { appSubmissions, formTargets, rawDriverWrites, respondentsSoFar, skipRespondents } from './b2-submission';
import { startAppProcess } from './servers';

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(dir: string, argv: string[]): Promise<void> {
  const option = (name: string, fallback: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
  const settings = { connections: option('connections', 16), durationSec: option('duration', 10) };
  const debugAddr = argv.includes('--db-profile') ? '127.0.0.1:8089' : undefined;
  const ferret = await startFerretDb({ dataDir: path.join(dir, 'ferretdb'), debugAddr });
  const db = await connectDatabase(ferret.uri, createLogger('silent'));
  const models = createModels(db.connection);
  const catalog = new SurveyCatalog(models.Survey);
  const units = new Map((await models.Unit.find().lean()).map((u) => [u.code, u]));
  const targets: SyntheticTarget[] = [];
  for (const link of await models.Link.find().lean()) {
    const survey = await catalog.getLatest(link.surveyKey);
    if (survey) targets.push({ link, unit: units.get(link.unitCode)!, survey });
  }
  const forms = formTargets(targets, 50);
  // Addresses from where the last run on this database stopped (one answer per address and hour, as in the bench).
  const counterFile = path.join(dir, 'b2-respondents.txt');
  skipRespondents(fs.existsSync(counterFile) ? Number(fs.readFileSync(counterFile, 'utf8')) : 0);
  const profileDir = path.join(dir, `b2-profile-${Date.now()}`);
  const app = await startAppProcess({
    uri: ferret.uri,
    logLevel: 'warn',
    logFile: path.join(dir, 'app-b2.log'),
    nodeArgs: argv.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  try {
    await appSubmissions(app.baseUrl, forms, { ...settings, durationSec: 2 });
    const before = { app: cpuSeconds(app.pid), db: cpuSeconds(ferret.pid), self: process.cpuUsage() };
    const dbProfile = debugAddr
      ? fetch(`http://${debugAddr}/debug/pprof/profile?seconds=${settings.durationSec}`).then(async (r) => Buffer.from(await r.arrayBuffer()))
      : undefined;
    const measured = await appSubmissions(app.baseUrl, forms, settings);
    if (dbProfile) fs.writeFileSync(path.join(dir, 'ferretdb-cpu.pprof'), await dbProfile);
    const self = process.cpuUsage(before.self);
    const used = { app: cpuSeconds(app.pid) - before.app, db: cpuSeconds(ferret.pid) - before.db, bench: (self.user + self.system) / 1e6 };
    fs.writeFileSync(counterFile, String(respondentsSoFar()));
    const raw = await rawDriverWrites(ferret.uri, forms, settings);
    const per = (s: number) => `${((s / measured.stored) * 1000).toFixed(2)} ms`;
    console.log(
      `app ${measured.submissionsPerSec.toFixed(1)}/s (p50 ${measured.p50Ms.toFixed(0)} ms, p99 ${measured.p99Ms.toFixed(0)} ms, ${measured.failed} failed) vs raw ${raw.submissionsPerSec.toFixed(1)}/s = ${(measured.submissionsPerSec / raw.submissionsPerSec).toFixed(3)}x`,
    );
    console.log(
      `CPU during the app's side (${measured.durationSec.toFixed(1)} s): app ${used.app.toFixed(1)} s, FerretDB ${used.db.toFixed(1)} s, load generator ${used.bench.toFixed(1)} s; per answer: app ${per(used.app)}, FerretDB ${per(used.db)}`,
    );
  } finally {
    await app.stop();
    await db.close();
    await ferret.stop();
  }
  if (argv.includes('--profile')) console.log(`profile in ${profileDir}`);
}

main(process.argv[2] ?? '', process.argv.slice(3)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
