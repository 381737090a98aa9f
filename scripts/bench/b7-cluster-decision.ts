/**
 * B7 (issue #30): a cluster decision at a province's full size. One address sends `members` identical answers to
 * one form link within the hour (a script, which the projector flags past 200 identical answers:
 * src/projector/address-clusters.ts), then an administrator excludes the whole cluster from the review page,
 * includes it again and excludes it again. A decision's time is its POST's: the route answers once the projector
 * has applied it (src/admin/review.routes.ts). Then the figures are compared with a rebuild. `npm run bench` runs
 * it at its largest size (run.ts); on a database a `npm run bench -- --keep` run left behind:
 *   node dist/scripts/bench/b7-cluster-decision.js <kept bench directory> [--members 400]
 * It adds answers to the database: run the script on a copy.
 */
import crypto from 'node:crypto';
import type { Models } from '../../src/models';
import { ratingQuestions } from '../../src/surveys/form-fields';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { answerOnce, type FormTarget } from './b2-submission';
import { csrfFrom, PROXY_HTTPS, signIn } from './http';
import { checkRollups } from './rollup-check';
import { runScript, withKeptApp } from './kept-app';

export interface B7ClusterDecision {
  members: number;
  /** the form link the answers went to */
  linkCode: string;
  /** the answers' HTTP statuses, with their counts */
  statuses: Record<string, number>;
  decisions: { decision: string; status: number; ms: number }[];
  differences: number;
  figures: number;
}

/** The review page's cluster forms: their keys, from `/admin/review/clusters/<key>`. */
const clusterKeys = (html: string) => [...html.matchAll(/action="\/admin\/review\/clusters\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Clusters are counted per clock hour: answers sent across the hour's turn would be two clusters, neither past the
 * limit. When less than `ms` is left in this hour, waits for the next one.
 */
async function withinOneHour(ms: number): Promise<void> {
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < ms) await sleep(left + 1000);
}

export async function runB7ClusterDecision(options: {
  appUrl: string;
  models: Models;
  admin: { email: string; password: string };
  members?: number;
}): Promise<B7ClusterDecision> {
  const { appUrl, models } = options;
  const members = options.members ?? 400;
  const now = new Date();
  const links = await models.Link.find({ channel: 'form' }).lean();
  const link = links.find((l) => !l.closedAt && l.opensAt <= now && (!l.closesAt || l.closesAt > now));
  const survey = link && (await new SurveyCatalog(models.Survey).getLatest(link.surveyKey));
  if (!link || !survey) throw new Error('no open form link with its survey in this database');
  const answers = Object.fromEntries(ratingQuestions(survey.definition).map((q) => [q.key, String(survey.definition.scale)]));
  const form = { path: `/s/${link.code}`, answers } as unknown as FormTarget;
  // A respondent number no bench run gives out (its address is forwardedFor(n), b2-submission.ts), new at each run.
  const address = 9_000_000 + crypto.randomInt(900_000);

  await withinOneHour(members * 250);
  const statuses: Record<string, number> = {};
  for (let i = 0; i < members; i++) {
    const status = String(await answerOnce(appUrl, form, address));
    statuses[status] = (statuses[status] ?? 0) + 1;
  }

  const cookie = await signIn(appUrl, options.admin.email, options.admin.password);
  let key: string | undefined;
  let csrf = '';
  for (let tries = 0; !key && tries < 240; tries++) {
    const page = await (await fetch(`${appUrl}/admin/review?kind=${link.kind}&unit=SGD`, { headers: { ...PROXY_HTTPS, cookie } })).text();
    key = clusterKeys(page).find((k) => k.includes(link.code));
    csrf = csrfFrom(page);
    if (!key) await sleep(500);
  }
  if (!key) throw new Error(`the cluster of ${members} identical answers never reached the review page (answers: HTTP ${JSON.stringify(statuses)})`);
  const decisions: B7ClusterDecision['decisions'] = [];
  for (const decision of ['exclude', 'include', 'exclude']) {
    const at = Date.now();
    const res = await fetch(`${appUrl}/admin/review/clusters/${encodeURIComponent(key)}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...PROXY_HTTPS, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, decision }),
    });
    await res.arrayBuffer();
    decisions.push({ decision, status: res.status, ms: Date.now() - at });
  }
  const check = await checkRollups(models);
  return { members, linkCode: link.code, statuses, decisions, differences: check.differences, figures: check.figures };
}

async function main(dir: string, members: number): Promise<void> {
  await withKeptApp(dir, 'app-b7-cluster.log', async ({ models, app, admin }) => {
    const result = await runB7ClusterDecision({ appUrl: app.baseUrl, models, admin, members });
    console.log(`B7: ${members} identical answers from one address: HTTP ${JSON.stringify(result.statuses)}`);
    for (const d of result.decisions) console.log(`B7 cluster decision (${d.decision}) of the ${members} answers' cluster: HTTP ${d.status} in ${d.ms} ms`);
    console.log(`B7 figures after it: ${result.differences} differences from a rebuild over ${result.figures} figure documents`);
  });
}

if (require.main === module) {
  const membersAt = process.argv.indexOf('--members');
  runScript(() => main(process.argv[2] ?? '', membersAt === -1 ? 400 : Number(process.argv[membersAt + 1])));
}
