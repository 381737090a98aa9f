/**
 * node dist/scripts/bench/b7-reorganisation.js <kept bench directory> [--share 0.1]
 * B7 (issue #30): a reorganisation at a province's full size. On the database a `npm run bench -- --keep` run left
 * behind (a million answers take 10-14 minutes to seed here), a tenth of the schools move to another district
 * through the admin page's unit import, as an administrator would do it; the clock runs until every pass of the
 * rechain (src/reorganisation/rechain.ts) has finished, then the figure documents are compared with a rebuild
 * from the stored answers. It changes the kept database: run it on a copy.
 */
import fs from 'node:fs';
import type { Models } from '../../src/models';
import { stateOf, STATE_ID } from '../../src/units/rechain-state';
import type { Unit } from '../../src/units/unit.model';
import { checkRollups } from './rollup-check';
import { csrfFrom, PROXY_HTTPS, signIn } from './http';
import { cpuSeconds } from './process-stats';
import { runScript, withKeptApp } from './kept-app';

/** The CSV the import takes (src/units/unit-csv.ts): every school of every `1 / share`-th, under the next district. */
function movesOf(units: Unit[], share: number): { csv: string; moved: number } {
  const districts = units.filter((u) => u.type === 'district_office').map((u) => u.code);
  const schools = units.filter((u) => u.type === 'school' && u.parentCode).sort((a, b) => a.code.localeCompare(b.code));
  const step = Math.max(1, Math.round(1 / share));
  const moving = schools.filter((_, i) => i % step === 0);
  const cell = (value: string | undefined) => `"${(value ?? '').replace(/"/g, '""')}"`;
  const rows = moving.map((school) => {
    const next = districts[(districts.indexOf(school.parentCode!) + 1) % districts.length]!;
    return [school.code, school.name, school.type, school.level, school.district, next].map(cell).join(',');
  });
  return { csv: ['code,name,type,level,district,parent', ...rows].join('\n'), moved: moving.length };
}

/** Until every requested pass is done and no instance holds the work (the last pass has released it). */
async function untilRechained(models: Models, startedAt: number): Promise<void> {
  let lastLog = 0;
  for (;;) {
    const state = await stateOf(models).findOne({ _id: STATE_ID });
    if (state && (state.done ?? 0) >= (state.requested ?? 0) && !state.holder) return;
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      console.log(`  ${((Date.now() - startedAt) / 1000).toFixed(0)} s: scanned ${state?.scanned ?? 0} of ${state?.total ?? '?'}, moved ${state?.moved ?? 0}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main(dir: string, share: number): Promise<void> {
  await withKeptApp(
    dir,
    'app-b7.log',
    async ({ ferret, models, app, admin }) => {
      const units = await models.Unit.find({}).lean<Unit[]>().exec();
      const { csv, moved } = movesOf(units, share);
      const answers = await models.Response.estimatedDocumentCount();
      console.log(`B7: moving ${moved} of ${units.length} units to another district, ${answers} answers stored`);

      const cookie = await signIn(app.baseUrl, admin.email, admin.password);
      const page = await fetch(`${app.baseUrl}/admin/units`, { headers: { ...PROXY_HTTPS, cookie } });
      const started = Date.now();
      const cpuBefore = cpuSeconds(ferret.pid);
      const res = await fetch(`${app.baseUrl}/admin/units/import`, {
        method: 'POST',
        headers: { ...PROXY_HTTPS, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfFrom(await page.text()), csv }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the unit import answered HTTP ${res.status} (see ${dir}/app-b7.log)`);
      await untilRechained(models, started);
      const ms = Date.now() - started;
      const state = await stateOf(models).findOne({ _id: STATE_ID });
      console.log(
        `B7 reorganisation: ${moved} units, ${state?.moved ?? '?'} answers moved in the last pass; every pass done in ${(ms / 1000).toFixed(0)} s; FerretDB CPU ${(cpuSeconds(ferret.pid) - cpuBefore).toFixed(0)} s`,
      );
      const check = await checkRollups(models);
      console.log(
        `B7 figures after it: ${check.differences} differences from a rebuild over ${check.figures} figure documents (${check.countedResponses} counted answers)`,
      );
      const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${app.pid}/status`, 'utf8'))?.[1];
      if (hwm) console.log(`app peak RSS: ${Math.round(Number(hwm) / 1024)} MB`);
    },
    'info',
  );
}

const shareAt = process.argv.indexOf('--share');
runScript(() => main(process.argv[2] ?? '', shareAt === -1 ? 0.1 : Number(process.argv[shareAt + 1])));
