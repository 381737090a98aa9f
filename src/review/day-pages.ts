import type { Collection } from 'mongoose';
import { periodRange } from '../responses/period';
import { responseIdOf, type Bucket, type Entry } from './list-entries';
import { dayRange, directoryId } from './list-keys';

/**
 * Reading one page of a list, newest first, from the per-day counts of the scope's directories and the hour
 * buckets of only the days the page covers.
 * - When the filter is one counted facet (all, one status, one level), the page is exact: its days are found by
 *   adding counts, and the total is the sum of the counts.
 * - Any other filter (tag, text, or two facets) reads the days that have entries of the most selective counted
 *   facet, newest first, and stops after `budget` entries: the total is then a lower bound and the result says so.
 */
export interface Directory {
  _id: string;
  d?: Record<string, Record<string, number>>;
  k?: Record<string, number>;
}

export interface ListScope {
  kind: string;
  unit: string;
  from: string;
  to: string;
}

export interface DayRef {
  period: string;
  day: string;
  count: number;
}

export interface PageQuery {
  /** counted facet: `n`, `s_<status>` or `l_<level>` */
  facet: string;
  /** whether `match` is exactly the facet (then counts are totals) */
  exact: boolean;
  match: (entry: Entry) => boolean;
  offset: number;
  limit: number;
  budget: number;
}

export interface PageResult<E> {
  rows: Array<{ id: string; entry: E }>;
  total: number;
  /** set when a scan stopped at its budget: how many entries it read */
  partialAfter?: number;
}

export async function readDirectories(coll: Collection<Bucket>, scope: ListScope): Promise<Directory[]> {
  const ids = periodRange(scope.from, scope.to).map((p) => directoryId(scope.kind, scope.unit, p));
  return await coll.find({ _id: { $in: ids } }).toArray();
}

/** Days with a count of `facet`, newest first. */
export function daysOf(directories: Directory[], facet: string): DayRef[] {
  const days: DayRef[] = [];
  for (const dir of directories) {
    const period = dir._id.slice(dir._id.lastIndexOf('|') + 1);
    for (const [key, counts] of Object.entries(dir.d ?? {})) {
      const count = counts[facet] ?? 0;
      if (count > 0) days.push({ period, day: key.slice(1), count });
    }
  }
  return days.sort((a, b) => (a.period === b.period ? b.day.localeCompare(a.day) : b.period.localeCompare(a.period)));
}

/** The entries of some days, matching, newest first (ties by response id). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names which list's entries a page holds
async function readDays<E extends Entry & { t: number }>(coll: Collection<Bucket>, scope: ListScope, days: DayRef[], match: (e: Entry) => boolean) {
  let scanned = 0;
  const rows: Array<{ id: string; entry: E }> = [];
  for (const d of days) {
    for await (const bucket of coll.find({ _id: dayRange(scope.kind, scope.unit, d.period, d.day) })) {
      for (const [key, entry] of Object.entries(bucket.e ?? {})) {
        scanned += 1;
        if (match(entry)) rows.push({ id: responseIdOf(key), entry: entry as E });
      }
    }
  }
  rows.sort((a, b) => b.entry.t - a.entry.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { rows, scanned };
}

export async function readPage<E extends Entry & { t: number }>(
  coll: Collection<Bucket>,
  scope: ListScope,
  directories: Directory[],
  q: PageQuery,
): Promise<PageResult<E>> {
  const days = daysOf(directories, q.facet);
  if (q.exact) {
    const total = days.reduce((n, d) => n + d.count, 0);
    let before = 0;
    let first = 0;
    while (first < days.length && before + days[first]!.count <= q.offset) before += days[first++]!.count;
    let last = first;
    for (let covered = before; last < days.length && covered < q.offset + q.limit; last++) covered += days[last]!.count;
    const { rows } = await readDays<E>(coll, scope, days.slice(first, last), q.match);
    return { rows: rows.slice(q.offset - before, q.offset - before + q.limit), total };
  }
  // A few days per read keeps the number of queries low without reading far past the budget.
  const GROUP = 3;
  const found: Array<{ id: string; entry: E }> = [];
  let scanned = 0;
  let next = 0;
  while (next < days.length && scanned < q.budget) {
    const read = await readDays<E>(coll, scope, days.slice(next, next + GROUP), q.match);
    next += GROUP;
    scanned += read.scanned;
    found.push(...read.rows);
  }
  const partial = next < days.length;
  return { rows: found.slice(q.offset, q.offset + q.limit), total: found.length, ...(partial ? { partialAfter: scanned } : {}) };
}
