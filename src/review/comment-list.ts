import type { Models } from '../models';
import type { CommentStatus, ResponseDoc } from '../responses/response.model';
import type { CommentEntry } from './comment-entries';
import { daysOf, readDirectories, readPage, type ListScope } from './day-pages';
import { COMMENTS_COLLECTION, listCollection } from './list-keys';
import { collectionOf, listByIds } from '../data/by-id';

export const COMMENT_PAGE = 50;
/** Entries a filter that the counts cannot serve may read (about 0.1 ms each on FerretDB). */
export const COMMENT_SCAN_BUDGET = 4000;

export interface CommentFilter extends ListScope {
  level?: string;
  status?: string;
  tag?: string;
  text?: string;
}

export interface CommentPage {
  rows: ResponseDoc[];
  total: number;
  partialAfter?: number;
}

/**
 * One page of the comment list (newest first) from the list index, then those responses read by `_id`. Status
 * or level alone are counted per day, so those pages and totals are exact; tag and text search read entries.
 */
/**
 * How many comments of a scope and months have `status` (all when unset): the counts of the list's directories (one
 * read by `_id` per month), which the projector keeps exact with the list itself, so the monthly e-mail and the
 * comment page never disagree.
 */
export async function commentCount(models: Models, scope: ListScope, status?: CommentStatus): Promise<number> {
  const coll = listCollection(models.Response.db, COMMENTS_COLLECTION);
  return daysOf(await readDirectories(coll, scope), status ? `s_${status}` : 'n').reduce((sum, day) => sum + day.count, 0);
}

export async function commentPage(models: Models, filter: CommentFilter, page: number, options: { budget?: number } = {}): Promise<CommentPage> {
  const coll = listCollection(models.Response.db, COMMENTS_COLLECTION);
  const facet = filter.status ? `s_${filter.status}` : filter.level ? `l_${filter.level}` : 'n';
  const match = (e: CommentEntry) =>
    (!filter.status || e.s === filter.status) &&
    (!filter.level || e.l === filter.level) &&
    (!filter.tag || (e.g ?? []).includes(filter.tag)) &&
    (!filter.text || e.c.toLowerCase().includes(filter.text));
  const result = await readPage<CommentEntry>(coll, filter, await readDirectories(coll, filter), {
    facet,
    exact: !filter.tag && !filter.text && !(filter.status && filter.level),
    match: match as (e: unknown) => boolean,
    offset: (page - 1) * COMMENT_PAGE,
    limit: COMMENT_PAGE,
    budget: options.budget ?? COMMENT_SCAN_BUDGET,
  });
  const ids = result.rows.map((r) => r.id);
  return {
    rows: await listByIds(collectionOf<ResponseDoc>(models.Response), ids),
    total: result.total,
    ...(result.partialAfter ? { partialAfter: result.partialAfter } : {}),
  };
}
