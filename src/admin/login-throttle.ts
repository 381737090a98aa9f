import { upsertRetryingDuplicate } from '../db-writes';
import type { LoginThrottleModel } from './admin.models';

/**
 * Sign-in throttling with growing lockouts, kept in the database so every instance sees the same counts.
 * An account locks after 5 failures, an IP address after 20; each further lock lasts twice as long as the
 * previous one (1 min, 2, 4 … up to 24 h for an account). A success clears the account's record.
 */
export const POLICIES = {
  account: { failures: 5, baseMs: 60_000, maxMs: 24 * 3600_000 },
  ip: { failures: 20, baseMs: 15 * 60_000, maxMs: 24 * 3600_000 },
} as const;

export type ThrottleKey = { id: string; policy: keyof typeof POLICIES };

export async function lockedUntil(Throttle: LoginThrottleModel, keys: ThrottleKey[], now: Date): Promise<Date | null> {
  let until: Date | null = null;
  for (const key of keys) {
    const record = await Throttle.findById(key.id).lean();
    if (record?.lockedUntil && record.lockedUntil > now && (!until || record.lockedUntil > until)) until = record.lockedUntil;
  }
  return until;
}

export async function recordFailure(Throttle: LoginThrottleModel, keys: ThrottleKey[], now: Date): Promise<void> {
  for (const key of keys) {
    const policy = POLICIES[key.policy];
    // Atomic in the database (MongoDB, our patched FerretDB): concurrent failures from any instance all count.
    const record = await upsertRetryingDuplicate(() =>
      Throttle.findOneAndUpdate(
        { _id: key.id },
        { $inc: { failures: 1 }, $set: { updatedAt: now }, $setOnInsert: { level: 0 } },
        { upsert: true, returnDocument: 'after' },
      ).lean(),
    );
    if (record && record.failures >= policy.failures) {
      const duration = Math.min(policy.maxMs, policy.baseMs * 2 ** record.level);
      // Conditional on the level read: of several failures crossing the limit together, one raises the lock.
      await Throttle.updateOne({ _id: key.id, level: record.level }, { $set: { failures: 0, level: record.level + 1, lockedUntil: new Date(now.getTime() + duration) } });
    }
  }
}

export async function clearFailures(Throttle: LoginThrottleModel, key: ThrottleKey): Promise<void> {
  await Throttle.deleteOne({ _id: key.id });
}
