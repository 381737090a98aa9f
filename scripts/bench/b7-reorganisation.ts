/**
 * B7 (issue #30): a reorganisation at a province's full size. A tenth of the schools move to another district
 * through the admin page's unit import, as an administrator would do it; the clock runs until every pass of the
 * rechain (src/reorganisation/rechain.ts) has finished, then the figure documents are compared with a rebuild from
 * the stored answers. `npm run bench` runs it at its largest size (run.ts); on a database a
 * `npm run bench -- --keep` run left behind (a million answers take 10-14 minutes to seed here):
 *   node dist/scripts/bench/b7-reorganisation.js <kept bench directory> [--share 0.1]
 * It changes the database: run the script on a copy.
 */
import type { Models } from '../../src/models';
import { stateOf, STATE_ID } from '../../src/units/rechain-state';
import type { Unit } from '../../src/units/unit.model';
import { checkRollups } from './rollup-check';
import { csrfFrom, PROXY_HTTPS, signIn } from './http';
import { cpuSeconds } from './process-stats';
import { readPeakRss } from './rss';
import { runScript, withKeptApp } from './kept-app';

export interface B7Reorganisation {
  responses: number;
  units: number;
  /** units the import moved */
  moved: number;
  /** answers stored under the moving schools: what the rechain has to move */
  answersToMove: number;
  /** from the import's POST until every pass had finished */
  ms: number;
  /** the figure documents against a rebuild from the stored answers, afterwards */
  differences: number;
  figures: number;
}

/** The CSV the import takes (src/units/unit-csv.ts): every school of every `1 / share`-th, under the next district. */
function movesOf(units: Unit[], share: number): { csv: string; codes: string[] } {
  const districts = units.filter((u) => u.type === 'district_office').map((u) => u.code);
  if (districts.length < 2) throw new Error('B7 moves schools between districts: the province needs at least two (100 units or more)');
  const schools = units.filter((u) => u.type === 'school' && u.parentCode).sort((a, b) => a.code.localeCompare(b.code));
  const step = Math.max(1, Math.round(1 / share));
  const moving = schools.filter((_, i) => i % step === 0);
  const cell = (value: string | undefined) => `"${(value ?? '').replace(/"/g, '""')}"`;
  const rows = moving.map((school) => {
    const next = districts[(districts.indexOf(school.parentCode!) + 1) % districts.length]!;
    return [school.code, school.name, school.type, school.level, school.district, next].map(cell).join(',');
  });
  return { csv: ['code,name,type,level,district,parent', ...rows].join('\n'), codes: moving.map((school) => school.code) };
}

/** Until every requested pass is done and no instance holds the work (the last pass has released it). */
async function untilRechained(models: Models, startedAt: number, log: (line: string) => void): Promise<void> {
  let lastLog = Date.now();
  for (;;) {
    const state = await stateOf(models).findOne({ _id: STATE_ID });
    if (state && (state.done ?? 0) >= (state.requested ?? 0) && !state.holder) return;
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      log(`${((Date.now() - startedAt) / 1000).toFixed(0)} s: scanned ${state?.scanned ?? 0} of ${state?.total ?? '?'}, moved ${state?.moved ?? 0}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The answers stored under `codes`, counted before the clock starts. On FerretDB a filter reads every answer (90 s at
 * 1M, past the driver's socket timeout for one count), so the ids stream back in batches and are counted here.
 */
async function countUnder(models: Models, codes: string[]): Promise<number> {
  let n = 0;
  for await (const _ of models.Response.collection.find({ unitCode: { $in: codes } }, { projection: { _id: 1 }, batchSize: 2000 })) n += 1;
  return n;
}

export async function runB7Reorganisation(options: {
  appUrl: string;
  models: Models;
  admin: { email: string; password: string };
  /** the share of the schools that move */
  share?: number;
  log?: (line: string) => void;
}): Promise<B7Reorganisation> {
  const { appUrl, models } = options;
  const log = options.log ?? (() => undefined);
  const units = await models.Unit.find({}).lean<Unit[]>().exec();
  const { csv, codes } = movesOf(units, options.share ?? 0.1);
  const responses = await models.Response.estimatedDocumentCount();
  const answersToMove = await countUnder(models, codes);
  const cookie = await signIn(appUrl, options.admin.email, options.admin.password);
  const page = await fetch(`${appUrl}/admin/units`, { headers: { ...PROXY_HTTPS, cookie } });
  const started = Date.now();
  const res = await fetch(`${appUrl}/admin/units/import`, {
    method: 'POST',
    headers: { ...PROXY_HTTPS, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfFrom(await page.text()), csv }),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`the unit import answered HTTP ${res.status}`);
  await untilRechained(models, started, log);
  const ms = Date.now() - started;
  const check = await checkRollups(models);
  return {
    responses,
    units: units.length,
    moved: codes.length,
    answersToMove,
    ms,
    differences: check.differences,
    figures: check.figures,
  };
}

async function main(dir: string, share: number): Promise<void> {
  await withKeptApp(
    dir,
    'app-b7.log',
    async ({ ferret, models, app, admin }) => {
      const cpuBefore = cpuSeconds(ferret.pid);
      const result = await runB7Reorganisation({
        appUrl: app.baseUrl,
        models,
        admin,
        share,
        log: (line) => {
          console.log(`  ${line}`);
        },
      });
      console.log(
        `B7 reorganisation: ${result.moved} of ${result.units} units, ${result.answersToMove} of ${result.responses} answers to move; every pass done in ${(result.ms / 1000).toFixed(0)} s; FerretDB CPU ${(cpuSeconds(ferret.pid) - cpuBefore).toFixed(0)} s`,
      );
      console.log(`B7 figures after it: ${result.differences} differences from a rebuild over ${result.figures} figure documents`);
      console.log(`app peak RSS: ${Math.round((readPeakRss(app.pid) ?? 0) / 1e6)} MB`);
    },
    'info',
  );
}

if (require.main === module) {
  const shareAt = process.argv.indexOf('--share');
  runScript(() => main(process.argv[2] ?? '', shareAt === -1 ? 0.1 : Number(process.argv[shareAt + 1])));
}
