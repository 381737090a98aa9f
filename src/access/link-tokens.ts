import crypto from 'node:crypto';

/**
 * The tokens of one-time links (password resets, invitations): 32 random bytes, base64url. Only their sha256 is
 * stored, as the `_id` of the link's document, so a lookup is an index read on FerretDB too and whoever reads the
 * database cannot use a link.
 */
export const newLinkToken = (): string => crypto.randomBytes(32).toString('base64url');

export const linkTokenHash = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');

/** The shape of our tokens; anything else is refused before touching the database. */
export const isLinkToken = (value: unknown): value is string => typeof value === 'string' && /^[\w-]{43}$/.test(value);
