import { ServiceUnavailableError } from '../errors';
import mongoose from 'mongoose';
import { upsertRetryingDuplicate } from '../data/write-once';
import type { LoginThrottle, LoginThrottleModel } from './access.models';

/**
 * Sign-in throttling with growing lockouts, kept in the database so every instance sees the same counts.
 *
 * Three counters per attempt, so that a stranger cannot lock the rightful owner out:
 * - `pair` (this address guessing this account): locks after 5 failures. The owner, signing in from another
 *   address, never meets this lock.
 * - `ip` (this address, any account): locks after 20; stops one address spraying many accounts.
 * - `account` (this account, any address): locks after 20, but the lock applies only to addresses that have
 *   themselves failed on this account (a `pair` record exists). A botnet then gets one guess per new address,
 *   while the owner's correct password from an address with no failures still gets in.
 * Each further lock of a key lasts twice as long as its previous one, up to 24 h.
 *
 * Once the account is locked it is under attack, and addresses that never failed on it are slowed down too (a
 * botnet rotating addresses got one guess per address, unbounded): they share one slow lane per account, one
 * check per SLOW_LANE interval, which doubles with the account's lock level up to 10 minutes. The owner keeps a
 * way in: from a network it signed in from before (a `known` record, 90 days) it is not slowed at all, and from a
 * new one it waits for the slow lane, which the lock never closes.
 *
 * An attempt is counted BEFORE its password is verified (see `recordAttempt`): parallel posts cannot slip
 * past the limit while the slow argon2 check runs, and a crash mid-check still leaves the attempt counted.
 */
export const POLICIES = {
  pair: { failures: 5, baseMs: 60_000, maxMs: 24 * 3600_000 },
  ip: { failures: 20, baseMs: 15 * 60_000, maxMs: 24 * 3600_000 },
  account: { failures: 20, baseMs: 15 * 60_000, maxMs: 24 * 3600_000 },
} as const;

export type ThrottleKey = { id: string; policy: keyof typeof POLICIES };

/** How long a network the account signed in from counts as the owner's usual one. */
export const KNOWN_NETWORK_MS = 90 * 24 * 3600_000;
const SLOW_LANE = { baseMs: 30_000, maxMs: 10 * 60_000 };

const knownId = (email: string, addressHash: string) => `known:${addressHash}:${email}`;
export const slowLaneId = (email: string) => `slow:${email}`;

/**
 * Whether addresses that never failed on this account must take its slow lane now, and for how long each check
 * holds it: the account is locked (under attack) and this address is not one the owner signed in from.
 */
export async function slowLaneFor(Throttle: LoginThrottleModel, email: string, addressHash: string, now: Date): Promise<number | null> {
  const [account, known] = await Promise.all([Throttle.findById(`acct:${email}`).lean(), Throttle.findById(knownId(email, addressHash)).lean()]);
  if (!lockOf(account, now) || (known?.knownUntil && known.knownUntil > now)) return null;
  return Math.min(SLOW_LANE.maxMs, SLOW_LANE.baseMs * 2 ** Math.max(0, (account?.level ?? 1) - 1));
}

/** The owner signed in from this network: it is their usual one for KNOWN_NETWORK_MS. */
export async function rememberNetwork(Throttle: LoginThrottleModel, email: string, addressHash: string, now: Date): Promise<void> {
  await upsertRetryingDuplicate(() =>
    Throttle.updateOne(
      { _id: knownId(email, addressHash) },
      { $set: { knownUntil: new Date(now.getTime() + KNOWN_NETWORK_MS), updatedAt: now }, $setOnInsert: { failures: 0, level: 0 } },
      { upsert: true },
    ),
  );
}

/** The three keys of one attempt (the address arrives already salted and hashed: never stored in clear). */
export function throttleKeys(email: string, addressHash: string): { pair: ThrottleKey; ip: ThrottleKey; account: ThrottleKey } {
  return {
    pair: { id: `pair:${addressHash}:${email}`, policy: 'pair' },
    ip: { id: `ip:${addressHash}`, policy: 'ip' },
    account: { id: `acct:${email}`, policy: 'account' },
  };
}
type Keys = ReturnType<typeof throttleKeys>;

const hasFailed = (pair: Pick<LoginThrottle, 'failures' | 'level'> | null | undefined) => !!pair && (pair.failures > 0 || pair.level > 0);
const lockOf = (record: Pick<LoginThrottle, 'lockedUntil'> | null | undefined, now: Date) =>
  record?.lockedUntil && record.lockedUntil > now ? record.lockedUntil : null;
const latest = (dates: (Date | null)[]) => dates.reduce<Date | null>((a, b) => (b && (!a || b > a) ? b : a), null);

/** The lock that applies to this address for this account right now, if any (reads by `_id` only). */
export async function lockedUntil(Throttle: LoginThrottleModel, keys: Keys, now: Date): Promise<Date | null> {
  const [pair, ip, account] = await Promise.all([keys.pair, keys.ip, keys.account].map((k) => Throttle.findById(k.id).lean()));
  return latest([lockOf(pair, now), lockOf(ip, now), hasFailed(pair) ? lockOf(account, now) : null]);
}

/** A lock this attempt raised: undone if the attempt turns out to have the right password. */
export interface RaisedLock {
  key: ThrottleKey;
  level: number;
  lockedUntil: Date;
}
export interface Attempt {
  /** Set when the attempt must not be verified (a lock raised meanwhile, or the limit already passed). */
  refusedUntil: Date | null;
  raised: RaisedLock[];
}

/**
 * Counts the attempt on every key (atomic `$inc` by `_id`, on MongoDB and our patched FerretDB alike) and
 * raises a key's lock when this attempt reaches its limit, before the password is checked. The attempt that
 * reaches the limit is still verified (it is within the allowance); one that finds the limit passed is not.
 */
export async function recordAttempt(Throttle: LoginThrottleModel, keys: Keys, now: Date): Promise<Attempt> {
  const counted = async (key: ThrottleKey) => {
    const record = await upsertRetryingDuplicate(() =>
      Throttle.findOneAndUpdate(
        { _id: key.id },
        { $inc: { failures: 1 }, $set: { updatedAt: now }, $setOnInsert: { level: 0 } },
        { upsert: true, returnDocument: 'after' },
      ).lean(),
    );
    // Seen once from an overloaded FerretDB (a 1M-answer bench seed running): no document back from an upsert.
    // The attempt cannot be counted, so it is not checked either: "try again", never a 500.
    if (!record) throw new ServiceUnavailableError('The sign-in attempt could not be counted; try again.');
    return record;
  };
  const [pair, ip, account] = await Promise.all([counted(keys.pair), counted(keys.ip), counted(keys.account)]);
  // This attempt is its own first failure when the pair record was clean before it.
  const failedBefore = pair.failures > 1 || pair.level > 0;
  const attempt: Attempt = { refusedUntil: null, raised: [] };
  for (const [key, record, applies] of [
    [keys.pair, pair, true],
    [keys.ip, ip, true],
    [keys.account, account, failedBefore],
  ] as const) {
    const policy = POLICIES[key.policy];
    const lock = lockOf(record, now);
    if (lock) {
      if (applies) attempt.refusedUntil = latest([attempt.refusedUntil, lock]);
      continue;
    }
    if (record.failures < policy.failures) continue;
    const until = new Date(now.getTime() + Math.min(policy.maxMs, policy.baseMs * 2 ** record.level));
    // Conditional on the level read: of several attempts crossing the limit together, one raises the lock.
    const raised = await Throttle.updateOne(
      { _id: key.id, level: record.level },
      { $set: { failures: 0, level: record.level + 1, lockedUntil: until, updatedAt: now } },
    );
    const ours = raised.modifiedCount === 1;
    if (ours) attempt.raised.push({ key, level: record.level + 1, lockedUntil: until });
    // Past the limit, or another attempt raised the lock first: this one is not verified.
    if ((record.failures > policy.failures || !ours) && applies) attempt.refusedUntil = latest([attempt.refusedUntil, until]);
  }
  return attempt;
}

/**
 * The password was right: this address's record for the account goes, and the shared counters give back the
 * attempt (or drop the lock it raised, unless someone has moved that lock on since).
 */
export async function settleSuccess(Throttle: LoginThrottleModel, keys: Keys, attempt: Attempt): Promise<void> {
  await Throttle.deleteOne({ _id: keys.pair.id });
  for (const key of [keys.ip, keys.account]) {
    const raised = attempt.raised.find((r) => r.key.id === key.id);
    if (raised) {
      await Throttle.updateOne(
        { _id: key.id, level: raised.level, lockedUntil: raised.lockedUntil },
        { $set: { level: raised.level - 1, failures: POLICIES[key.policy].failures - 1 }, $unset: { lockedUntil: 1 } },
      );
    } else {
      await Throttle.updateOne({ _id: key.id, failures: mongoose.trusted({ $gt: 0 }) }, { $inc: { failures: -1 } });
    }
  }
}
