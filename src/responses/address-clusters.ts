import { findByIdInRounds, insertOnceInRounds } from '../rounds';
import crypto from 'node:crypto';
import type { Connection } from 'mongoose';
import { insertOnce, upsertRetryingDuplicate } from '../db-writes';
import { inParallel } from '../in-parallel';
import { countsCollectionName } from './address-hash';
import { dayOf } from './period';
import type { Flag } from './response.model';

/**
 * Clusters that a school behind one Wi-Fi address would not produce, counted per (address hash, link, hour).
 * A parents' meeting brings a few hundred answers from one address within minutes, with answers that differ;
 * a script brings more, or the same answers again and again. Counters are documents with deterministic ids
 * updated with an atomic `$inc`, so every app instance counts into the same numbers (nothing in memory).
 *
 * Past a limit, the answer is flagged and so are the earlier answers of the same cluster ("sweeping" them out of
 * the figures): the first `perHour` answers of a bucket are listed as members for that purpose, each in a small
 * document of its own (an insert: no document grows with the cluster). Member 1 rides on the counter's insert, so
 * the common case (one answer per address and hour: a parent on mobile data) costs one insert, shared with the
 * other new buckets of the moment (rounds.ts); the bucket's later answers count with an atomic `$inc`.
 * The identical-answers rule applies to web forms only: a desk kiosk is one device answering for everyone, with
 * two three-level questions, where identical answers are the norm.
 *
 * Limits are per clock hour, so a script pacing itself just under them gets at most `perHour` counted answers an
 * hour per address and link (and never more than `sameAnswersPerHour` identical ones): flagged beyond that.
 */
export const CLUSTER_LIMITS = { perHour: 400, sameAnswersPerHour: 200 };
export type ClusterLimits = typeof CLUSTER_LIMITS;

/** A sweep that failed half-way (an outage) is tried again by every RETRY_EVERY-th answer over the limit. */
const RETRY_EVERY = 50;
/** The sweep key of the whole bucket; answer-set keys are two hex digits, so they never collide with it. */
export const WHOLE_BUCKET = 'all';

interface Bucket {
  _id: string;
  n: number;
  /** answers per answer-set key */
  s?: Record<string, number>;
  /** member 1: "<response id> <answer-set key>" */
  m1?: string;
  /** sweeps finished, by key */
  swept?: Record<string, boolean>;
}
/** Members 2..perHour, `_id` "m.<bucket>.<n>" */
interface Member {
  _id: string;
  /** "<response id> <answer-set key>" */
  v: string;
}

export interface Sighting {
  bucketId: string;
  collection: string;
  setKey: string;
  flags: Flag[];
  /** Sweeps this answer should run: WHOLE_BUCKET and/or its answer-set key. */
  sweeps: string[];
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

const bucketsOf = (db: Connection, name: string) => db.collection<Bucket>(name);

/**
 * Buckets this process has seen lately: their next answer skips the insert that would be refused (a school's
 * Wi-Fi sends hundreds). Only a hint: a bucket missing here costs one refused insert, one listed here but gone
 * (an old day) is recreated by the upsert; the counts are decided by the database either way.
 */
const seenBuckets = new Set<string>();
const SEEN_LIMIT = 10_000;
function remember(bucketId: string): void {
  if (seenBuckets.size >= SEEN_LIMIT) seenBuckets.delete(seenBuckets.values().next().value!);
  seenBuckets.add(bucketId);
}
const membersOf = (db: Connection, name: string) => db.collection<Member>(name);
const memberId = (bucketId: string, n: number) => `m.${bucketId}.${n}`;

/** Counts one answer into its bucket and says which flags it gets and which sweeps it should run. */
export async function countSighting(
  db: Connection,
  input: { addressHash: string; linkCode: string; responseId: string; answers: Record<string, number>; sameAnswersRule: boolean; now: Date },
  limits: ClusterLimits = CLUSTER_LIMITS,
): Promise<Sighting> {
  // UTC hours: Asia/Ho_Chi_Minh is a whole number of hours ahead, so an hour never straddles a day or a month.
  const bucketId = `${input.now.toISOString().slice(0, 13)}.${input.linkCode}.${input.addressHash}`;
  const collection = countsCollectionName(dayOf(input.now));
  const setKey = answerSetKey(input.answers);
  const member = `${input.responseId} ${setKey}`;
  const inc: Record<string, number> = { n: 1 };
  if (input.sameAnswersRule) inc[`s.${setKey}`] = 1;
  // The first answer of a bucket inserts it; only its insert succeeds, so exactly one answer gets n = 1.
  const first: Bucket = { _id: bucketId, n: 1, ...(input.sameAnswersRule ? { s: { [setKey]: 1 } } : {}), m1: member };
  const inserted = !seenBuckets.has(bucketId) && (await insertOnceInRounds(bucketsOf(db, collection), first));
  remember(bucketId);
  const bucket = inserted
    ? first
    : await upsertRetryingDuplicate(() =>
        bucketsOf(db, collection).findOneAndUpdate({ _id: bucketId }, { $inc: inc, $setOnInsert: { m1: member } }, { upsert: true, returnDocument: 'after' }),
      );
  const n = bucket?.n ?? 1;
  if (n >= 2 && n <= limits.perHour) await insertOnce(() => membersOf(db, collection).insertOne({ _id: memberId(bucketId, n), v: member }));
  const same = input.sameAnswersRule ? (bucket?.s?.[setKey] ?? 1) : 0;
  const flags: Flag[] = [];
  const sweeps: string[] = [];
  if (n > limits.perHour) {
    flags.push('burst');
    if (!bucket?.swept?.[WHOLE_BUCKET] && (n - limits.perHour - 1) % RETRY_EVERY === 0) sweeps.push(WHOLE_BUCKET);
  }
  if (same > limits.sameAnswersPerHour) {
    flags.push('identical');
    if (!bucket?.swept?.[setKey] && (same - limits.sameAnswersPerHour - 1) % RETRY_EVERY === 0) sweeps.push(setKey);
  }
  return { bucketId, collection, setKey, flags, sweeps };
}

/**
 * The flags a counted answer has earned since it was counted: a cluster may cross its limit while the answer was
 * being stored, after the crossing answer listed the members (see settleCluster).
 */
export async function flagsNow(db: Connection, sighting: Sighting, limits: ClusterLimits = CLUSTER_LIMITS): Promise<Flag[]> {
  // With the other answers' looks at the same moment: one query by ids per round (rounds.ts).
  const bucket = await findByIdInRounds<Bucket>(bucketsOf(db, sighting.collection), sighting.bucketId);
  const flags: Flag[] = [];
  if (bucket && bucket.n > limits.perHour) flags.push('burst');
  if (bucket && (bucket.s?.[sighting.setKey] ?? 0) > limits.sameAnswersPerHour) flags.push('identical');
  return flags;
}

/**
 * Response ids of the bucket's listed members that a sweep with `key` takes out of the figures. Read one by one by
 * `_id` (the only filter FerretDB serves from its index), once per cluster.
 */
export async function sweptMembers(db: Connection, sighting: Sighting, key: string, limits: ClusterLimits = CLUSTER_LIMITS): Promise<string[]> {
  const bucket = await bucketsOf(db, sighting.collection).findOne({ _id: sighting.bucketId });
  const listed: string[] = bucket?.m1 ? [bucket.m1] : [];
  const numbers = Array.from({ length: Math.max(0, Math.min(bucket?.n ?? 0, limits.perHour) - 1) }, (_, i) => i + 2);
  await inParallel(numbers, 8, async (n) => {
    const member = await membersOf(db, sighting.collection).findOne({ _id: memberId(sighting.bucketId, n) });
    if (member) listed.push(member.v);
  });
  return listed
    .map((m) => m.split(' ') as [string, string])
    .filter(([, set]) => key === WHOLE_BUCKET || set === key)
    .map(([id]) => id);
}

export async function markSwept(db: Connection, sighting: Sighting, key: string): Promise<void> {
  await bucketsOf(db, sighting.collection).updateOne({ _id: sighting.bucketId }, { $set: { [`swept.${key}`]: true } });
}
