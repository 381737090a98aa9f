import crypto from 'node:crypto';

/** Salted hash for values we must compare but never store in clear (dossier codes, IP addresses). */
export function saltedHash(salt: string, value: string): string {
  return crypto.createHmac('sha256', salt).update(value).digest('base64url');
}

/** Dossier codes are compared case-insensitively and without spaces, as officials write them in different ways. */
export const normalizeDossierCode = (code: string) => code.replace(/\s+/g, '').toUpperCase();
