import { Schema, type Connection, type Model } from 'mongoose';
import { isLinkToken, linkTokenHash, newLinkToken } from './link-tokens';

/**
 * One-time password reset links. Only the sha256 of the token is stored (as the `_id`, so a lookup is an index
 * read on FerretDB too): whoever reads the database cannot use a link. A link works once (taken by an atomic
 * delete) and until it expires; a new link for the same account replaces the old ones.
 */
interface PasswordReset {
  _id: string;
  email: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
}

const resetSchema = new Schema<PasswordReset>(
  {
    _id: String,
    email: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'password_resets', versionKey: false },
);

export type PasswordResetModel = Model<PasswordReset>;
export const passwordResetModel = (c: Connection): PasswordResetModel =>
  (c.models.PasswordReset as PasswordResetModel | undefined) ?? c.model<PasswordReset>('PasswordReset', resetSchema);

/** A day: long enough to reach someone by e-mail or by phone, short enough that a forgotten link dies. */
export const RESET_TTL_MS = 24 * 3600_000;

export const isResetToken = isLinkToken;

export async function createResetLink(Reset: PasswordResetModel, email: string, createdBy: string, now: Date): Promise<{ token: string; expiresAt: Date }> {
  const token = newLinkToken();
  const expiresAt = new Date(now.getTime() + RESET_TTL_MS);
  await Reset.deleteMany({ email });
  await Reset.create({ _id: linkTokenHash(token), email, createdBy, createdAt: now, expiresAt });
  return { token, expiresAt };
}

/** The account a live link is for (the link stays usable). */
export async function peekResetLink(Reset: PasswordResetModel, token: string, now: Date): Promise<string | null> {
  const link = await Reset.findById(linkTokenHash(token)).lean();
  return link && link.expiresAt > now ? link.email : null;
}

/** Uses the link up: of two concurrent uses, one gets the account and the other null. */
export async function consumeResetLink(Reset: PasswordResetModel, token: string, now: Date): Promise<{ email: string; createdBy: string } | null> {
  const link = await Reset.findOneAndDelete({ _id: linkTokenHash(token) }).lean();
  return link && link.expiresAt > now ? { email: link.email, createdBy: link.createdBy } : null;
}
