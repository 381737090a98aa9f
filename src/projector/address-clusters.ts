import crypto from 'node:crypto';
import { clusterKeyOf } from '../review/review-clusters';
import { countsCollectionName } from '../responses/address-hash';
import { dayOf } from '../responses/period';
import type { Flag, ResponseDoc } from '../responses/response.model';
import type { PlanBuilder } from './plan';

/**
 * Clusters that a school behind one Wi-Fi address would not produce, counted per (address hash, link, hour) as the
 * projector takes the answers in: a parents' meeting brings a few hundred answers from one address within minutes,
 * with answers that differ; a script brings more, or the same answers again and again. Past a limit the answer is
 * flagged, and so are the earlier answers of the cluster ("swept" out of the figures) the first time the limit is
 * crossed. Answers are taken in one at a time in arrival order by one projector, so each answer's place in its
 * cluster, and the one sweep, are decided once, with no race to repair.
 *
 * Counters are one document per cluster in a collection per day (address-hash.ts drops a day's collection with its
 * salt): `n` answers, `s.<set>` answers per answer set, `m.<i>` the first `perHour` members ("<id> <set>"),
 * `swept.<key>` sweeps done. The identical-answers rule applies to web forms only: a desk kiosk is one device
 * answering for everyone, where identical answers are the norm. Limits are per clock hour, so a script pacing
 * itself just under them gets at most `perHour` counted answers an hour per address and link.
 */
export const CLUSTER_LIMITS = { perHour: 400, sameAnswersPerHour: 200 };
export type ClusterLimits = typeof CLUSTER_LIMITS;

/** The sweep key of the whole cluster; answer-set keys are two hex digits, so they never collide with it. */
export const WHOLE_CLUSTER = 'all';

export interface AddressCounts {
  _id: string;
  n?: number;
  s?: Record<string, number>;
  m?: Record<string, string>;
  /** member 1 of counters written before the projector (their later members lived in documents of their own) */
  m1?: string;
  swept?: Record<string, boolean>;
}

/**
 * Answer sets are compared by a 256-way key of their ratings (not the comment): enough to see one set repeated
 * hundreds of times, and it keeps the counter document small whatever a script sends.
 */
export function answerSetKey(answers: Record<string, number>): string {
  const canonical = Object.keys(answers)
    .sort()
    .map((key) => `${key}=${answers[key]}`)
    .join('&');
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 2);
}

/** Where an answer's cluster is counted: the day's collection (UTC hours never straddle a Vietnam day) and its key. */
export const countsOf = (r: Pick<ResponseDoc, 'submittedAt' | 'linkCode' | 'addressHash'>) => ({
  collection: countsCollectionName(dayOf(r.submittedAt)),
  id: clusterKeyOf(r),
});

export interface Sweep {
  flag: Flag;
  /** the earlier members it takes out */
  members: string[];
}

/**
 * Counts one answer into its cluster's counters (`counts`, updated in place as the batch's view of them) and the
 * plan; returns the flags it earns and the sweeps it starts.
 */
export function countIntoCluster(plan: PlanBuilder, counts: AddressCounts, r: ResponseDoc, limits: ClusterLimits): { flags: Flag[]; sweeps: Sweep[] } {
  const { collection, id } = countsOf(r);
  const setKey = answerSetKey(r.answers);
  const members = (counts.m ??= counts.m1 ? { 1: counts.m1 } : {});
  const swept = (counts.swept ??= {});
  const n = (counts.n = (counts.n ?? 0) + 1);
  plan.inc(collection, id, { n: 1 });
  let same = 0;
  if (r.channel === 'form') {
    same = (counts.s ??= {})[setKey] = (counts.s[setKey] ?? 0) + 1;
    plan.inc(collection, id, { [`s.${setKey}`]: 1 });
  }
  if (n <= limits.perHour) {
    members[n] = `${r._id} ${setKey}`;
    plan.set(collection, id, { [`m.${n}`]: members[n] });
  }
  const flags: Flag[] = [];
  const sweeps: Sweep[] = [];
  const sweep = (key: string, flag: Flag) => {
    flags.push(flag);
    if (swept[key]) return;
    swept[key] = true;
    plan.set(collection, id, { [`swept.${key}`]: true });
    const listed = Object.values(members).map((m) => m.split(' ') as [string, string]);
    sweeps.push({ flag, members: listed.filter(([member, set]) => member !== r._id && (key === WHOLE_CLUSTER || set === key)).map(([member]) => member) });
  };
  if (n > limits.perHour) sweep(WHOLE_CLUSTER, 'burst');
  if (same > limits.sameAnswersPerHour) sweep(setKey, 'identical');
  return { flags, sweeps };
}
