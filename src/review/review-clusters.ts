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

export const hourOf = (date: Date) => date.toISOString().slice(0, 13);
export const isClustered = (r: ResponseDoc) => Boolean(r.addressHash) && r.flags.some((f) => CLUSTER_FLAGS.includes(f));
export const clusterKeyOf = (r: Pick<ResponseDoc, 'submittedAt' | 'linkCode' | 'addressHash'>) => `${hourOf(r.submittedAt)}.${r.linkCode}.${r.addressHash}`;

/** Every part is a closed character set, so the pattern cannot backtrack on a hostile key. */
const KEY = /^(\d{4}-\d{2}-\d{2}T\d{2})\.([A-Za-z0-9_-]{1,40})\.([A-Za-z0-9_-]{22})$/;

export function parseClusterKey(key: string): { hour: string; linkCode: string; addressHash: string } | undefined {
  const match = key.length <= 80 ? KEY.exec(key) : null;
  return match ? { hour: match[1]!, linkCode: match[2]!, addressHash: match[3]! } : undefined;
}

/**
 * The answers of one cluster by searching the responses: the filter is not by `_id`, so FerretDB reads the whole
 * collection (on MongoDB the `linkCode` index serves it). Only until the list index migration has run; after it,
 * review/cluster-members.ts finds them by `_id`.
 */
export async function clusterMembers(models: Models, key: string): Promise<ResponseDoc[]> {
  const parsed = parseClusterKey(key);
  if (!parsed) return [];
  const rows = await models.Response.find({ linkCode: parsed.linkCode, addressHash: parsed.addressHash }).lean<ResponseDoc[]>();
  return rows.filter((r) => isClustered(r) && hourOf(r.submittedAt) === parsed.hour);
}
