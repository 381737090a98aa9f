import mongoose from 'mongoose';
import { insertOnce } from '../data/write-once';
import type { Models } from '../models';
import type { User } from './access.models';

/**
 * The writes that change an account: created from an invitation, its password set, disabled. The pages
 * (src/admin/) check who may do it and say what happened; what it does to the stored account is here.
 */

/** The account an invitation names, with the password its holder chose (no forced change); false if the address has one already. */
export const createInvitedUser = (models: Pick<Models, 'User'>, fields: Omit<User, 'mustChangePassword' | 'passwordChangedAt'>, now: Date): Promise<boolean> =>
  insertOnce(() => models.User.create({ ...fields, mustChangePassword: false, passwordChangedAt: now }));

/**
 * The password its owner chose (a change, or a reset link): no forced change, and every session signed in under
 * the old one ends (`credentialVersion`). `userId`: the account's `_id` as read. Returns the new credential
 * version, for the session that stays.
 */
export async function setOwnPassword(models: Pick<Models, 'User'>, userId: unknown, passwordHash: string, now: Date): Promise<number> {
  const updated = await models.User.findOneAndUpdate(
    { _id: userId },
    { $set: { passwordHash, mustChangePassword: false, passwordChangedAt: now }, $inc: { credentialVersion: 1 } },
    { returnDocument: 'after' },
  ).lean();
  return updated?.credentialVersion ?? 0;
}

/** Disables the account and revokes the API tokens it made (authenticate.ts refuses them anyway); how many were revoked. */
export async function disableUser(models: Pick<Models, 'User' | 'ApiToken'>, email: string, now: Date): Promise<number> {
  await models.User.updateOne({ email }, { $set: { disabled: true } });
  const revoked = await models.ApiToken.updateMany({ createdBy: email, revokedAt: mongoose.trusted({ $exists: false }) }, { $set: { revokedAt: now } });
  return revoked.modifiedCount;
}
