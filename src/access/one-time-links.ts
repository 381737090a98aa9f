import type { Model } from 'mongoose';
import { linkTokenHash, newLinkToken } from './link-tokens';

/**
 * One-time links for an e-mail address (password resets, invitations), kept the same way: only the sha256 of the
 * token is stored, as the `_id` (link-tokens.ts); a new link for an address replaces its older ones; a link works
 * until it expires, and once: it is taken by an atomic delete, so of two concurrent uses one gets it and the other
 * nothing. Expired links are deleted by the hourly retention sweep (retention.ts).
 */
export interface OneTimeLink {
  _id: string;
  email: string;
  expiresAt: Date;
}

/** Stores a new link for `fields.email` (its older links go) and returns the token to send. */
export async function issueLink<T extends OneTimeLink>(
  Links: Model<T>,
  fields: Omit<T, '_id' | 'expiresAt'>,
  ttlMs: number,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newLinkToken();
  const expiresAt = new Date(now.getTime() + ttlMs);
  // A small collection, read whole by this filter, which is cheap. `email` is a plain value (sanitizeFilter, db.ts).
  await Links.deleteMany({ email: fields.email });
  await new Links({ ...fields, _id: linkTokenHash(token), expiresAt }).save();
  return { token, expiresAt };
}

/** The link behind a live token (it stays usable), or null. */
export async function peekLink<T extends OneTimeLink>(Links: Model<T>, token: string, now: Date): Promise<T | null> {
  const link = await Links.findById(linkTokenHash(token)).lean<T>();
  return link && link.expiresAt > now ? link : null;
}

/** Uses the link up: of two concurrent uses, one gets it and the other null; an expired link gives null. */
export async function consumeLink<T extends OneTimeLink>(Links: Model<T>, token: string, now: Date): Promise<T | null> {
  const link = await Links.findOneAndDelete({ _id: linkTokenHash(token) }).lean<T>();
  return link && link.expiresAt > now ? link : null;
}
