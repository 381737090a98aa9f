import mongoose from 'mongoose';
import { POLICIES } from './access/login-throttle';
import type { Models } from './models';
import { sweepAddressRecords } from './responses/address-hash';

/**
 * Deletes what has outlived its stated retention, in place of TTL indexes (FerretDB v1 has none):
 * - contact details past their `retainUntil` (the period the respondent consented to);
 * - sign-in throttle records whose lock has ended and that nobody has touched for the longest lock (24 h): by then
 *   they only say that someone once mistyped a password from some address;
 * - password-reset links past their expiry and sign-in leases long past theirs;
 * - the daily address salts and cluster counters past their window (address-hash.ts), which otherwise wait for the
 *   next day's first answer.
 * Every step is a conditional delete: running it again, or on several instances at the same moment, deletes
 * nothing twice and nothing still in use. These collections are small, so the non-`_id` filters that FerretDB v1
 * answers by reading the collection cost little.
 */
export interface RetentionResult {
  contacts: number;
  loginThrottles: number;
  passwordResets: number;
  invitations: number;
  loginLeases: number;
}

export const RETENTION_INTERVAL_MS = 3600_000;
const THROTTLE_IDLE_MS = Math.max(...Object.values(POLICIES).map((p) => p.maxMs));
/** A lease past its expiry is free to take anyway; this margin only keeps the sweep away from one being taken. */
const LEASE_GRACE_MS = 3600_000;

const before = (date: Date) => mongoose.trusted({ $lt: date });

export async function runRetention(models: Models, now: Date): Promise<RetentionResult> {
  const contacts = await models.Contact.deleteMany({ retainUntil: before(now) });
  const idleSince = new Date(now.getTime() - THROTTLE_IDLE_MS);
  const loginThrottles = await models.LoginThrottle.deleteMany({
    updatedAt: before(idleSince),
    $and: [{ $or: [{ lockedUntil: null }, { lockedUntil: before(now) }] }, { $or: [{ knownUntil: null }, { knownUntil: before(now) }] }],
  });
  const passwordResets = await models.PasswordReset.deleteMany({ expiresAt: before(now) });
  // An expired invitation still names a person, their unit and role: gone with the hour's sweep.
  const invitations = await models.Invitation.deleteMany({ expiresAt: before(now) });
  const loginLeases = await models.LoginLease.deleteMany({ until: before(new Date(now.getTime() - LEASE_GRACE_MS)) });
  await sweepAddressRecords(models.Setting, models.Setting.db, now);
  return {
    contacts: contacts.deletedCount,
    loginThrottles: loginThrottles.deletedCount,
    passwordResets: passwordResets.deletedCount,
    invitations: invitations.deletedCount,
    loginLeases: loginLeases.deletedCount,
  };
}
