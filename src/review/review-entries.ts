import crypto from 'node:crypto';
import { clusterKeyOf, isClustered } from './review-clusters';
import type { ResponseDoc } from '../responses/response.model';
import { fieldKey as cellKey } from '../figures/counters';
import { entryKey, type Entry, type EntryTarget } from './list-entries';
import { bucketsOf, directoryId, scopesOf, vietnamTime } from './list-keys';

/**
 * The review list: flagged answers no admin has decided on yet. A decision (recorded on the response as
 * `reviewedBy`) takes the answer off the list. Two kinds of entries:
 * - a single flagged answer: in the hour buckets of its scopes (list-keys.ts), with what its row shows, so the page
 *   reads no response: t, u: unit, a: its ancestors, f: flags, o: overall score, c: 1 when counted, l: level;
 * - a member of a cluster (one address, one link, one hour: review-clusters.ts): in the cluster's member documents
 *   `m|<cluster key>|<0-f>`, decided or not (p: 1 while undecided), so a decision about the cluster finds its
 *   members by `_id` instead of searching the responses. Undecided members are counted into the cluster's figures
 *   `k|<cluster key>` (answers, counted, per flag, per answer set) and into each scope's directory (`k.<key>`), from
 *   which the page ranks clusters by size.
 * The members of one cluster are split over 16 documents by response id, so a scripted attack of thousands of
 * answers in an hour never grows one document past a few hundred entries.
 */
export const isPending = (r: ResponseDoc) => r.flags.length > 0 && !r.reviewedBy;

export interface SingleEntry extends Entry {
  t: number;
  u: string;
  a: string[];
  f: string[];
  o?: number;
  c?: 1;
  l?: string;
}

export interface MemberEntry extends Entry {
  p?: 1;
  /** answer set: 12 bits of a hash of the ratings; distinct sets in a cluster are counted over these */
  h: string;
  f: string[];
  c?: 1;
}

export const memberDocId = (clusterKey: string, responseId: string) =>
  `m|${clusterKey}|${crypto.createHash('sha1').update(responseId).digest('hex').slice(0, 1)}`;
export const memberDocIds = (clusterKey: string) => Array.from('0123456789abcdef').map((x) => `m|${clusterKey}|${x}`);
export const clusterFigureId = (clusterKey: string) => `k|${clusterKey}`;

/**
 * 4,096 possible values keep a cluster's figure document small whatever a script sends; two different sets share a
 * value now and then, so for large clusters the count of distinct sets is a slight underestimate.
 */
export function answerSetHash(answers: Record<string, number>): string {
  const canonical = Object.keys(answers)
    .sort()
    .map((k) => `${k}=${answers[k]}`)
    .join('&');
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 3);
}

function singleEntry(r: ResponseDoc): SingleEntry | null {
  if (!isPending(r) || isClustered(r)) return null;
  return {
    t: r.submittedAt.getTime(),
    u: r.unitCode,
    a: r.unitAncestors ?? [],
    f: r.flags,
    ...(r.overall !== undefined ? { o: r.overall } : {}),
    ...(r.counted ? { c: 1 as const } : {}),
    ...(r.level ? { l: r.level } : {}),
  };
}

const memberEntry = (r: ResponseDoc): MemberEntry | null =>
  isClustered(r) ? { ...(isPending(r) ? { p: 1 as const } : {}), h: answerSetHash(r.answers), f: r.flags, ...(r.counted ? { c: 1 as const } : {}) } : null;

/** The review entries a response should have: one per scope for a single, one member entry for a clustered one. */
export function reviewTargets(r: ResponseDoc): EntryTarget[] {
  const key = entryKey(r._id);
  const single = singleEntry(r);
  const targets: EntryTarget[] = bucketsOf(r).map(({ scope, period, day, bucket }) => ({
    bucket,
    key,
    next: single,
    responseId: r._id,
    counts: (e) => [
      { id: directoryId(r.kind, scope, period), inc: { [`d.d${day}.n`]: 1, ...(typeof e.l === 'string' && e.l ? { [`d.d${day}.l_${e.l}`]: 1 } : {}) } },
    ],
  }));
  // Only an answer with an address can belong to a cluster; its cluster is fixed by address, link and hour.
  if (r.addressHash) {
    const cluster = clusterKeyOf(r);
    const { period } = vietnamTime(r.submittedAt);
    targets.push({
      bucket: memberDocId(cluster, r._id),
      key,
      next: memberEntry(r),
      responseId: r._id,
      counts: (entry) => {
        const e = entry as MemberEntry;
        if (!e.p) return [];
        const figure = {
          id: clusterFigureId(cluster),
          inc: { n: 1, counted: e.c ? 1 : 0, [`s.${e.h}`]: 1, ...Object.fromEntries(e.f.map((f) => [`f.${f}`, 1])) },
          setOnInsert: {
            kind: r.kind,
            period,
            unitCode: r.unitCode,
            unitAncestors: r.unitAncestors ?? [],
            linkCode: r.linkCode,
            ...(r.level ? { level: r.level } : {}),
          },
        };
        return [figure, ...scopesOf(r).map((scope) => ({ id: directoryId(r.kind, scope, period), inc: { [`k.${cellKey(cluster)}`]: 1 } }))];
      },
    });
  }
  return targets;
}
