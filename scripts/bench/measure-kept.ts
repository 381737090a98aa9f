/**
 * node dist/scripts/bench/measure-kept.js <kept bench directory> [--export]
 * B3 (stats API and dashboard, and the first stats request after the app starts) and the B5 list pages (with
 * --export also the year's CSV export, read to its end, with the app's peak RSS over it) against
 * the database a `npm run bench -- --keep` run left behind, without seeding again (a million answers take 10-14
 * minutes to seed here). It resets the bench administrator's password and adds an API token to sign in with.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { hashApiToken } from '../../src/access/authenticate';
import { runB3, STATS_PATH, timeRequests } from './b3-stats';
import { EXPORT_PATH, readExport } from './b5-lists';
import { resetPeakRss } from './rss';
import { signIn } from './http';
import { cpuSeconds } from './process-stats';
import { runScript, withKeptApp } from './kept-app';

const peakMb = (pid: number) => Math.round(Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

async function main(dir: string): Promise<void> {
  await withKeptApp(dir, 'app-kept.log', async ({ ferret, models, app, admin }) => {
    const apiToken = `hl_${crypto.randomBytes(24).toString('base64url')}`;
    await models.ApiToken.create({ name: 'bench-kept', tokenHash: hashApiToken(apiToken), unitCode: 'SGD', createdBy: 'bench', createdAt: new Date() });
    const first = await timeRequests(`${app.baseUrl}${STATS_PATH}`, { authorization: `Bearer ${apiToken}` }, 1, 60);
    console.log(`first /api/v1/stats after the app started: ${first.maxMs.toFixed(0)} ms`);
    const b3 = await runB3({ appUrl: app.baseUrl, apiToken, admin, responses: 0, requests: 20, maxSecPerEndpoint: 90 });
    console.log(
      `B3: /api/v1/stats p50 ${b3.api.p50Ms.toFixed(0)} p95 ${b3.api.p95Ms.toFixed(0)} ms; dashboard p50 ${b3.admin.p50Ms.toFixed(0)} p95 ${b3.admin.p95Ms.toFixed(0)} ms; overview p50 ${b3.overview?.p50Ms.toFixed(0)} p95 ${b3.overview?.p95Ms.toFixed(0)} ms`,
    );
    const cookie = await signIn(app.baseUrl, admin.email, admin.password);
    for (const page of ['/admin/comments', '/admin/review']) {
      const t = await timeRequests(`${app.baseUrl}${page}`, { cookie, 'x-forwarded-proto': 'https' }, 20, 120);
      console.log(`B5: ${page} first page p50 ${t.p50Ms.toFixed(0)} p95 ${t.p95Ms.toFixed(0)} ms (${t.failures} failures)`);
    }
    if (process.argv.includes('--export')) {
      for (const format of ['csv', 'xlsx']) {
        const hwmBefore = peakMb(app.pid);
        resetPeakRss(app.pid);
        const cpuBefore = cpuSeconds(ferret.pid);
        const exported = await readExport(`${app.baseUrl}${EXPORT_PATH.replace('responses.csv', `responses.${format}`)}`, cookie);
        // XLSX is zipped: its line count says nothing, only its time and size do.
        const rows = format === 'csv' ? `${exported.rows} rows, ` : '';
        console.log(
          `B5 ${format} export: HTTP ${exported.status}, ${rows}${(exported.bytes / 1e6).toFixed(1)} MB in ${(exported.ms / 1000).toFixed(1)} s (first row after ${((exported.firstRowMs ?? NaN) / 1000).toFixed(1)} s); app peak RSS during it ${peakMb(app.pid)} MB (before it: ${hwmBefore} MB); FerretDB CPU ${(cpuSeconds(ferret.pid) - cpuBefore).toFixed(0)} s`,
        );
      }
    }
    const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${app.pid}/status`, 'utf8'))?.[1];
    if (hwm) console.log(`app peak RSS: ${Math.round(Number(hwm) / 1024)} MB`);
  });
}

runScript(() => main(process.argv[2] ?? ''));
