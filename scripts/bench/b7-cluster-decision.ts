/**
 * node dist/scripts/bench/b7-cluster-decision.js <kept bench directory> [--members 400]
 * B7 (issue #30): a cluster decision at a province's full size. On the database a `npm run bench -- --keep` run
 * left behind, one address sends `members` identical answers to one form link within the hour (a script, which the
 * projector flags past 200 identical answers: src/projector/address-clusters.ts), then an administrator excludes
 * the whole cluster from the review page and includes it again. A decision's time is its POST's: the route answers
 * once the projector has applied it (src/admin/review.routes.ts). Then the figures are compared with a rebuild.
 * It adds answers to the kept database: run it on a copy.
 */
import crypto from 'node:crypto';
import { ratingQuestions } from '../../src/surveys/form-fields';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { answerOnce, type FormTarget } from './b2-submission';
import { csrfFrom, PROXY_HTTPS, signIn } from './http';
import { checkRollups } from './rollup-check';
import { runScript, withKeptApp } from './kept-app';

/** A respondent number no bench run gives out (its address is forwardedFor(n), b2-submission.ts), new at each run. */
const SCRIPT_ADDRESS = 9_000_000 + crypto.randomInt(900_000);

/** The review page's cluster forms: their keys, from `/admin/review/clusters/<key>`. */
const clusterKeys = (html: string) => [...html.matchAll(/action="\/admin\/review\/clusters\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));

async function main(dir: string, members: number): Promise<void> {
  await withKeptApp(dir, 'app-b7-cluster.log', async ({ models, app, admin }) => {
    const now = new Date();
    const links = await models.Link.find({ channel: 'form' }).lean();
    const link = links.find((l) => !l.closedAt && l.opensAt <= now && (!l.closesAt || l.closesAt > now));
    const survey = link && (await new SurveyCatalog(models.Survey).getLatest(link.surveyKey));
    if (!link || !survey) throw new Error('no open form link with its survey in this database');
    const answers = Object.fromEntries(ratingQuestions(survey.definition).map((q) => [q.key, String(survey.definition.scale)]));
    const form = { path: `/s/${link.code}`, answers } as unknown as FormTarget;

    const started = Date.now();
    const statuses = new Map<number, number>();
    for (let i = 0; i < members; i++) {
      const status = await answerOnce(app.baseUrl, form, SCRIPT_ADDRESS);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    console.log(
      `B7: ${members} identical answers from one address to ${link.code} in ${((Date.now() - started) / 1000).toFixed(0)} s: HTTP ${JSON.stringify(Object.fromEntries(statuses))}`,
    );

    const cookie = await signIn(app.baseUrl, admin.email, admin.password);
    let key: string | undefined;
    let csrf = '';
    for (let tries = 0; !key && tries < 120; tries++) {
      const page = await (await fetch(`${app.baseUrl}/admin/review?kind=${link.kind}&unit=SGD`, { headers: { ...PROXY_HTTPS, cookie } })).text();
      key = clusterKeys(page).find((k) => k.includes(link.code));
      csrf = csrfFrom(page);
      if (!key) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (!key) throw new Error('the cluster never reached the review page');
    for (const decision of ['exclude', 'include', 'exclude']) {
      const at = Date.now();
      const res = await fetch(`${app.baseUrl}/admin/review/clusters/${encodeURIComponent(key)}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...PROXY_HTTPS, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, decision }),
      });
      await res.arrayBuffer();
      console.log(`B7 cluster decision (${decision}) of the ${members} answers' cluster: HTTP ${res.status} in ${Date.now() - at} ms`);
    }
    const check = await checkRollups(models);
    console.log(`B7 figures after it: ${check.differences} differences from a rebuild over ${check.figures} figure documents`);
  });
}

const membersAt = process.argv.indexOf('--members');
runScript(() => main(process.argv[2] ?? '', membersAt === -1 ? 400 : Number(process.argv[membersAt + 1])));
