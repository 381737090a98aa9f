import type { Cluster } from './review-clusters';
import { parseClusterKey } from './review-clusters';
import type { Models } from '../models';
import { FLAGS, type Flag } from '../responses/response.model';
import { responseIdOf } from './list-entries';
import { readDirectories, readPage, type Directory, type ListScope } from './day-pages';
import { listCollection, REVIEW_COLLECTION } from './list-keys';
import { clusterFigureId, type SingleEntry } from './review-entries';
import { collectionNamed, listByIds } from '../data/by-id';

export const REVIEW_SINGLES_PAGE = 200;
export const REVIEW_CLUSTERS_PAGE = 50;
/** Clusters whose level is looked up when the page is filtered by level. */
const LEVEL_LOOKUP_LIMIT = 1000;

export interface SingleRow {
  _id: string;
  submittedAt: Date;
  unitCode: string;
  unitAncestors: string[];
  flags: Flag[];
  overall?: number;
  counted: boolean;
}

export interface ReviewPage {
  clusters: Cluster[];
  clusterTotal: number;
  singles: SingleRow[];
  total: number;
  /** clusters beyond this many were not looked at for the level filter */
  partialAfter?: number;
}

interface ClusterFigure {
  _id: string;
  n?: number;
  counted?: number;
  f?: Record<string, number>;
  s?: Record<string, number>;
  linkCode: string;
  unitCode: string;
  unitAncestors: string[];
  level?: string;
}

/** Undecided clusters of the scope and months with their sizes, largest first (ties by key). */
function rankedClusters(directories: Directory[]): Array<{ key: string; n: number }> {
  const sizes = new Map<string, number>();
  for (const dir of directories) for (const [key, n] of Object.entries(dir.k ?? {})) if (n > 0) sizes.set(responseIdOf(key), n);
  return [...sizes].map(([key, n]) => ({ key, n })).sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
}

function clusterRow(figure: ClusterFigure): Cluster {
  const key = figure._id.slice(2);
  const present = (counts: Record<string, number> | undefined) => Object.keys(counts ?? {}).filter((k) => counts![k]! > 0);
  return {
    key,
    hour: new Date(`${parseClusterKey(key)?.hour ?? '1970-01-01T00'}:00:00Z`),
    linkCode: figure.linkCode,
    unitCode: figure.unitCode,
    unitAncestors: figure.unitAncestors,
    answers: figure.n ?? 0,
    counted: figure.counted ?? 0,
    flags: FLAGS.filter((f) => (figure.f?.[f] ?? 0) > 0),
    answerSets: present(figure.s).length,
  };
}

/** The review page: undecided clusters by size and undecided single answers, newest first; `page` pages both. */
export async function reviewPage(models: Models, filter: ListScope & { level?: string }, page: number): Promise<ReviewPage> {
  const coll = listCollection(models.Response.db, REVIEW_COLLECTION);
  const directories = await readDirectories(coll, filter);
  const figures = collectionNamed<ClusterFigure>(models.Response.db, REVIEW_COLLECTION);
  const readFigures = (keys: string[]) => listByIds(figures, keys.map(clusterFigureId));

  let ranked = rankedClusters(directories);
  let partialAfter: number | undefined;
  if (filter.level) {
    if (ranked.length > LEVEL_LOOKUP_LIMIT) partialAfter = LEVEL_LOOKUP_LIMIT;
    const levels = new Map((await readFigures(ranked.slice(0, LEVEL_LOOKUP_LIMIT).map((c) => c.key))).map((f) => [f._id.slice(2), f.level]));
    ranked = ranked.filter((c) => levels.get(c.key) === filter.level);
  }
  const shown = ranked.slice((page - 1) * REVIEW_CLUSTERS_PAGE, page * REVIEW_CLUSTERS_PAGE);
  const byKey = new Map((await readFigures(shown.map((c) => c.key))).map((f) => [f._id.slice(2), f]));
  const clusters = shown.flatMap((c) => (byKey.has(c.key) ? [clusterRow(byKey.get(c.key)!)] : []));

  const singles = await readPage<SingleEntry>(coll, filter, directories, {
    facet: filter.level ? `l_${filter.level}` : 'n',
    exact: true,
    match: (e) => !filter.level || e.l === filter.level,
    offset: (page - 1) * REVIEW_SINGLES_PAGE,
    limit: REVIEW_SINGLES_PAGE,
    budget: Infinity,
  });
  return {
    clusters,
    clusterTotal: ranked.length,
    singles: singles.rows.map(({ id, entry: e }) => ({
      _id: id,
      submittedAt: new Date(e.t),
      unitCode: e.u,
      unitAncestors: e.a,
      flags: e.f as Flag[],
      ...(e.o !== undefined ? { overall: e.o } : {}),
      counted: Boolean(e.c),
    })),
    total: singles.total,
    ...(partialAfter ? { partialAfter } : {}),
  };
}
