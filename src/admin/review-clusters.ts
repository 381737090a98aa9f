import type { Models } from '../models';
import { CLUSTER_FLAGS, type Flag, type ResponseDoc } from '../responses/response.model';

/**
 * Clusters on the review page: the flagged answers of one address (its salted hash), one link and one hour, as
 * address-clusters.ts counted them. The key names the cluster in the page and in the decision's URL.
 */
export interface Cluster {
  key: string;
  hour: Date;
  linkCode: string;
  unitCode: string;
  unitAncestors: string[];
  answers: number;
  counted: number;
  flags: Flag[];
  /** distinct sets of ratings: one set repeated is a script, a school's answers differ */
  answerSets: number;
}

const hourOf = (date: Date) => date.toISOString().slice(0, 13);
const isClustered = (r: ResponseDoc) => Boolean(r.addressHash) && r.flags.some((f) => CLUSTER_FLAGS.includes(f));
export const clusterKeyOf = (r: Pick<ResponseDoc, 'submittedAt' | 'linkCode' | 'addressHash'>) => `${hourOf(r.submittedAt)}.${r.linkCode}.${r.addressHash}`;

/** Every part is a closed character set, so the pattern cannot backtrack on a hostile key. */
const KEY = /^(\d{4}-\d{2}-\d{2}T\d{2})\.([A-Za-z0-9_-]{1,40})\.([A-Za-z0-9_-]{22})$/;

export function parseClusterKey(key: string): { hour: string; linkCode: string; addressHash: string } | undefined {
  const match = key.length <= 80 ? KEY.exec(key) : null;
  return match ? { hour: match[1]!, linkCode: match[2]!, addressHash: match[3]! } : undefined;
}

/** Splits flagged answers into clusters (largest first) and the answers reviewed one by one. */
export function groupClusters(rows: ResponseDoc[]): { clusters: Cluster[]; singles: ResponseDoc[] } {
  const clusters = new Map<string, Cluster & { sets: Set<string> }>();
  const singles: ResponseDoc[] = [];
  for (const r of rows) {
    if (!isClustered(r)) {
      singles.push(r);
      continue;
    }
    const key = clusterKeyOf(r);
    let c = clusters.get(key);
    if (!c) {
      c = { key, hour: new Date(`${hourOf(r.submittedAt)}:00:00Z`), linkCode: r.linkCode, unitCode: r.unitCode, unitAncestors: r.unitAncestors, answers: 0, counted: 0, flags: [], answerSets: 0, sets: new Set() };
      clusters.set(key, c);
    }
    c.answers += 1;
    if (r.counted) c.counted += 1;
    for (const f of r.flags) if (!c.flags.includes(f)) c.flags.push(f);
    c.sets.add(JSON.stringify(Object.entries(r.answers).sort()));
  }
  const list = [...clusters.values()].map(({ sets, ...c }) => ({ ...c, answerSets: sets.size }));
  return { clusters: list.sort((a, b) => b.answers - a.answers), singles };
}

/**
 * The answers of one cluster. An admin action, not the submission path: the filter is not by `_id`, so FerretDB
 * reads the responses collection, as the review page itself does; on MongoDB the `linkCode` index serves it.
 */
export async function clusterMembers(models: Models, key: string): Promise<ResponseDoc[]> {
  const parsed = parseClusterKey(key);
  if (!parsed) return [];
  const rows = await models.Response.find({ linkCode: parsed.linkCode, addressHash: parsed.addressHash }).lean<ResponseDoc[]>();
  return rows.filter((r) => isClustered(r) && hourOf(r.submittedAt) === parsed.hour);
}
