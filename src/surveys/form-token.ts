import crypto from 'node:crypto';
import { responseIdOn } from '../responses/response-id';
import { purposeKey } from '../secret-keys';

/**
 * A signed, single-use form token, issued with each rendered form. It carries a random id (which becomes the
 * response id, so a replay or a double click stores one response), the link and survey version the form showed,
 * and the time it was issued (for the minimum fill time). HMAC-SHA256 over the payload; no database needed to issue.
 * Callers pass SESSION_SECRET; the HMAC key is its own HKDF derivation (secret-keys.ts), so nothing signed for a
 * session or a cookie passes as a form token.
 */
export interface FormToken {
  id: string;
  link: string;
  version: number;
  issuedAt: number;
}

/** Tokens older than this are refused (the form is shown again with the answers kept). */
export const TOKEN_MAX_AGE_MS = 24 * 3600 * 1000;

/** The token's id, which becomes the response id: the day the form was opened, then 128 random bits (response-id.ts). */
export function newTokenId(issuedAt: Date): string {
  return responseIdOn(issuedAt);
}

function sign(payload: string, secret: string): string {
  return crypto.createHmac('sha256', purposeKey(secret, 'form-token')).update(payload).digest('base64url');
}

export function issueFormToken(token: FormToken, secret: string): string {
  const payload = Buffer.from(JSON.stringify([token.id, token.link, token.version, token.issuedAt])).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

export type TokenCheck = { ok: true; token: FormToken } | { ok: false; reason: 'invalid' | 'expired' };

export function verifyFormToken(value: string | undefined, secret: string, now: number): TokenCheck {
  if (!value || value.length > 300) return { ok: false, reason: 'invalid' };
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) return { ok: false, reason: 'invalid' };
  const [id, link, version, issuedAt] = parsed as unknown[];
  if (typeof id !== 'string' || typeof link !== 'string' || !Number.isInteger(version) || !Number.isInteger(issuedAt)) {
    return { ok: false, reason: 'invalid' };
  }
  if (now - (issuedAt as number) > TOKEN_MAX_AGE_MS || (issuedAt as number) - now > 60_000) return { ok: false, reason: 'expired' };
  return { ok: true, token: { id, link, version: version as number, issuedAt: issuedAt as number } };
}
