import type { Connection } from 'mongoose';
import type { ResponseDoc } from '../responses/response.model';
import type { Bucket } from './list-entries';
import { collectionNamed } from '../data/by-id';

/**
 * Ids of the list index documents. Both lists (comments, review) are cut the same way: per survey kind, per scope
 * unit (a response is listed under its unit and under each of its ancestors, so a province's list is its own
 * documents, not 500 units' documents), per period, and within the period per second of Asia/Ho_Chi_Minh time.
 *   b|<kind>|<scope>|<period>|<DD><HH><mm><ss>   bucket: the entries of one second (a day is read as one range of
 *                                                 ids, `dayRange`; only seconds with entries have a document)
 *   d|<kind>|<scope>|<period>                    directory: counts per day (`d.d<DD>.<facet>`), so a page is found
 *                                                 by arithmetic and only the days it covers are read
 * Unit codes are [A-Za-z0-9_-], so `|` never occurs inside a part.
 *
 * Why a second and not an hour (before `list-buckets-by-second`, list-migration.ts): a bucket is rewritten whole by
 * every batch that adds to it, and a province's hour bucket grew all hour. Under B2's load with comments, each
 * batch rewrote documents of thousands of entries, and batches (and so the freshness of every figure) lengthened as
 * the hour went on (docs/benchmarks.md, session 9). A second's bucket holds what one second brought: new entries are
 * mostly new small documents, inserted together.
 */
export const COMMENTS_COLLECTION = 'list_comments';
export const REVIEW_COLLECTION = 'list_review';

export const listCollection = (db: Connection, name: string) => collectionNamed<Bucket>(db, name);

const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** Period, day of month and time of day (HHmmss) of an instant in Asia/Ho_Chi_Minh (a fixed offset since 1975). */
export function vietnamTime(date: Date): { period: string; day: string; time: string } {
  const iso = new Date(date.getTime() + VIETNAM_OFFSET_MS).toISOString();
  return { period: iso.slice(0, 7), day: iso.slice(8, 10), time: iso.slice(11, 19).replace(/:/g, '') };
}

export const bucketId = (kind: string, scope: string, period: string, day: string, time: string) => `b|${kind}|${scope}|${period}|${day}${time}`;
export const directoryId = (kind: string, scope: string, period: string) => `d|${kind}|${scope}|${period}`;
/** The ids of a day's buckets, as one range (`~` sorts after every digit). */
export function dayRange(kind: string, scope: string, period: string, day: string): { $gte: string; $lt: string } {
  const prefix = `b|${kind}|${scope}|${period}|${day}`;
  return { $gte: prefix, $lt: `${prefix}~` };
}

/** The scopes a response is listed under: its unit and every ancestor (copied in at submission, like the figures). */
export const scopesOf = (r: Pick<ResponseDoc, 'unitCode' | 'unitAncestors'>) => [r.unitCode, ...(r.unitAncestors ?? [])];

/** The buckets of a response in each of its scopes (whether or not it has an entry there). */
export function bucketsOf(
  r: Pick<ResponseDoc, 'kind' | 'unitCode' | 'unitAncestors' | 'submittedAt'>,
): Array<{ scope: string; bucket: string; period: string; day: string }> {
  const { period, day, time } = vietnamTime(r.submittedAt);
  return scopesOf(r).map((scope) => ({ scope, period, day, bucket: bucketId(r.kind, scope, period, day, time) }));
}
