import { Schema, type Connection, type Model } from 'mongoose';
import { isLinkToken } from './link-tokens';
import { consumeLink, issueLink, peekLink } from './one-time-links';

/**
 * One-time password reset links, kept as every one-time link is (one-time-links.ts): only the token's hash is
 * stored, a link works once and until it expires, and a new link for the same account replaces the old ones.
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

export const createResetLink = (Reset: PasswordResetModel, email: string, createdBy: string, now: Date): Promise<{ token: string; expiresAt: Date }> =>
  issueLink(Reset, { email, createdBy, createdAt: now }, RESET_TTL_MS, now);

/** The account a live link is for (the link stays usable). */
export async function peekResetLink(Reset: PasswordResetModel, token: string, now: Date): Promise<string | null> {
  return (await peekLink(Reset, token, now))?.email ?? null;
}

/** Uses the link up: of two concurrent uses, one gets the account and the other null. */
export async function consumeResetLink(Reset: PasswordResetModel, token: string, now: Date): Promise<{ email: string; createdBy: string } | null> {
  const link = await consumeLink(Reset, token, now);
  return link ? { email: link.email, createdBy: link.createdBy } : null;
}
