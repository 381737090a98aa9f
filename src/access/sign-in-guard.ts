import type { Request } from 'express';
import type { Models } from '../models';
import { saltedHash } from '../responses/hashing';
import type { User } from './access.models';
import { ipKeyGenerator } from 'express-rate-limit';
import { leaseFreeAt, releaseLease, takeLease } from './login-lease';
import { lockedUntil, recordAttempt, rememberNetwork, settleSuccess, slowLaneFor, slowLaneId, throttleKeys } from './login-throttle';
import { dummyPasswordHash, hashPassword, needsRehash } from './passwords';
import { verifyWithinCapacity } from './password-slots';

/**
 * The client address as the throttle knows it: salted and hashed, never stored in clear (one place for every
 * caller), and an IPv6 address by its /56, as the public forms count it: 40 addresses of one /64 are one guesser.
 */
export const addressHashOf = async (req: Request, salt: () => Promise<string>) => saltedHash(await salt(), ipKeyGenerator(req.ip ?? ''));

export type CheckOutcome =
  | { kind: 'ok'; user: User & { _id: unknown } }
  | { kind: 'failed' }
  | { kind: 'locked'; until: Date }
  /** Another check of the same account is under way (on any instance). */
  | { kind: 'busy' }
  /** This process has too many checks queued. */
  | { kind: 'overloaded' };

/**
 * Every password check of an account (sign-in, changing one's password) goes through here, in this order:
 * 1. refuse at once if a lock applies to this address for this account (nothing counted, nothing verified), or if
 *    the account is under attack and the slow lane is taken;
 * 2. count the attempt as a failure in the database, raising locks as limits are reached;
 * 3. take the account's lease, so that one check runs at a time per account across instances;
 * 4. verify (argon2, capped per process); on success give the counted attempt back.
 * Unknown and disabled accounts go through the same steps against a dummy hash, so answers and timing match.
 */
export async function checkPassword(models: Models, input: { email: string; addressHash: string; password: string }, now: Date): Promise<CheckOutcome> {
  const keys = throttleKeys(input.email, input.addressHash);
  const locked = await lockedUntil(models.LoginThrottle, keys, now);
  if (locked) return { kind: 'locked', until: locked };

  // An account under attack: an address that never failed on it waits its turn in the slow lane (login-throttle.ts).
  const slowMs = await slowLaneFor(models.LoginThrottle, input.email, input.addressHash, now);
  if (slowMs !== null && !(await takeLease(models.LoginLease, slowLaneId(input.email), now, slowMs))) {
    return { kind: 'locked', until: await leaseFreeAt(models.LoginLease, slowLaneId(input.email), now) };
  }

  const attempt = await recordAttempt(models.LoginThrottle, keys, now);
  if (attempt.refusedUntil) return { kind: 'locked', until: attempt.refusedUntil };

  const leaseId = `verify:${input.email}`;
  const holder = await takeLease(models.LoginLease, leaseId, now);
  if (!holder) return { kind: 'busy' };
  let verified: boolean | null;
  let user: (User & { _id: unknown }) | null;
  try {
    user = await models.User.findOne({ email: input.email }).lean();
    const usable = user && !user.disabled ? user : null;
    verified = await verifyWithinCapacity(usable ? usable.passwordHash : await dummyPasswordHash(), input.password);
    if (!usable && verified !== null) verified = false;
  } finally {
    await releaseLease(models.LoginLease, leaseId, holder);
  }
  if (verified === null) return { kind: 'overloaded' };
  if (!verified || !user) return { kind: 'failed' };
  await settleSuccess(models.LoginThrottle, keys, attempt);
  await rememberNetwork(models.LoginThrottle, input.email, input.addressHash, now);
  // A hash of an earlier version's settings: replaced now that the password is known (only if still the same hash).
  if (needsRehash(user.passwordHash))
    await models.User.updateOne({ _id: user._id, passwordHash: user.passwordHash }, { $set: { passwordHash: await hashPassword(input.password) } });
  return { kind: 'ok', user };
}
