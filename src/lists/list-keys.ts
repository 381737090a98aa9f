import type { Connection, Collection } from 'mongoose';
import type { ResponseDoc } from '../responses/response.model';
import type { Bucket } from './list-entries';

/**
 * Ids of the list index documents. Both lists (comments, review) are cut the same way: per survey kind, per scope
 * unit (a response is listed under its unit and under each of its ancestors, so a province's list is its own
 * documents, not 500 units' documents), per period, and within the period per hour of Asia/Ho_Chi_Minh time.
 *   b|<kind>|<scope>|<period>|<DD><HH>   bucket: the entries of one hour (read a day at a time: 24 ids)
 *   d|<kind>|<scope>|<period>            directory: counts per day (`d.d<DD>.<facet>`), so a page is found by
 *                                        arithmetic and only the days it covers are read
 * Unit codes are [A-Za-z0-9_-], so `|` never occurs inside a part.
 */
export const COMMENTS_COLLECTION = 'list_comments';
export const REVIEW_COLLECTION = 'list_review';

export const listCollection = (db: Connection, name: string) => db.collection(name) as unknown as Collection<Bucket>;

const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** Period, day of month and hour of an instant in Asia/Ho_Chi_Minh (a fixed offset since 1975). */
export function vietnamHour(date: Date): { period: string; day: string; hour: string } {
  const iso = new Date(date.getTime() + VIETNAM_OFFSET_MS).toISOString();
  return { period: iso.slice(0, 7), day: iso.slice(8, 10), hour: iso.slice(11, 13) };
}

export const bucketId = (kind: string, scope: string, period: string, day: string, hour: string) => `b|${kind}|${scope}|${period}|${day}${hour}`;
export const directoryId = (kind: string, scope: string, period: string) => `d|${kind}|${scope}|${period}`;
export const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
export const dayBucketIds = (kind: string, scope: string, period: string, day: string) => HOURS.map((h) => bucketId(kind, scope, period, day, h));

/** The scopes a response is listed under: its unit and every ancestor (copied in at submission, like the figures). */
export const scopesOf = (r: Pick<ResponseDoc, 'unitCode' | 'unitAncestors'>) => [r.unitCode, ...(r.unitAncestors ?? [])];

/** The hour buckets of a response in each of its scopes (whether or not it has an entry there). */
export function bucketsOf(r: Pick<ResponseDoc, 'kind' | 'unitCode' | 'unitAncestors' | 'submittedAt'>): Array<{ scope: string; bucket: string; period: string; day: string }> {
  const { period, day, hour } = vietnamHour(r.submittedAt);
  return scopesOf(r).map((scope) => ({ scope, period, day, bucket: bucketId(r.kind, scope, period, day, hour) }));
}
