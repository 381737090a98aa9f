import crypto from 'node:crypto';
import { dayOf } from './period';

/**
 * Response ids begin with a day: `~YYYY-MM-DD~<random base64url>`, the day (Asia/Ho_Chi_Minh) the form was opened.
 *
 * Why: on FerretDB only a condition on `_id` reaches SQLite's index; any other filter decodes the whole collection
 * (about 0.3 ms a response). With the day in the id, the responses of a day are one `_id` range
 * (`idsOpenedOn`), so an export streams a day at a time instead of reading a year before its first row
 * (exports/responses-by-day.ts). The day is also in the export's row, so the id tells nothing new; the random part
 * still says nothing about the order of arrival.
 *
 * Ids written before this scheme are plain base64url (and the old seeds' `syn-…`), all below `~`: `LEGACY_IDS` is
 * their range. Every id minted here is made of characters the database's range pushdown handles exactly
 * (docs/ferretdb-patch.md, hunk 7).
 */
const DAY_MARK = '~';

/**
 * 128 random bits as base64url, cut from a pool filled 4 KB at a time: a form view issues one id, and a
 * `randomBytes` call per view was 5% of the form page's time (B1). Every slice is used once.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;
function random128(): string {
  if (used + 16 > pool.length) {
    pool = crypto.randomBytes(POOL_BYTES);
    used = 0;
  }
  used += 16;
  return pool.toString('base64url', used - 16, used);
}

/** A response id for a form opened at `openedAt`, ending with `rest` (random, or a seed's stable number). */
export function responseIdOn(openedAt: Date, rest: string = random128()): string {
  return `${DAY_MARK}${dayOf(openedAt)}${DAY_MARK}${rest}`;
}

/** The `_id` condition of the responses whose form was opened on `day` (YYYY-MM-DD). */
export function idsOpenedOn(day: string): { $gte: string; $lte: string } {
  // Every character of the random part sorts below '~', so `~day~~` is above every id of the day.
  return { $gte: `${DAY_MARK}${day}${DAY_MARK}`, $lte: `${DAY_MARK}${day}${DAY_MARK}${DAY_MARK}` };
}

/** The `_id` condition of the responses stored before ids carried a day. */
export const LEGACY_IDS = { $lt: DAY_MARK } as const;
