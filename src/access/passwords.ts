import argon2 from 'argon2';
import crypto from 'node:crypto';

/**
 * argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): slow on purpose, and light enough on
 * memory that the checks a process lets run at once (password-slots.ts) stay far inside the server's 250 MB. The
 * library's default (64 MiB, 3 passes) made each sign-in lift the app's RSS by about 65 MB (docs/benchmarks.md).
 * Hashes made with other settings still verify, and are rehashed at the next successful sign-in.
 */
const ARGON2 = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;
export const hashPassword = (password: string) => argon2.hash(password, ARGON2);
/** True when the hash was made with other settings than today's (an account from an earlier version). */
export const needsRehash = (hash: string) => argon2.needsRehash(hash, ARGON2);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Verifying against this when the account does not exist keeps the timing of both answers alike. */
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = () => (dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex')));

export const generatePassword = () => crypto.randomBytes(12).toString('base64url');

/** As for ADMIN_PASSWORD (config.ts); 200 is the sign-in form's limit. */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

/** What is wrong with a newly chosen password, as an i18n key, or null when it will do. */
export function newPasswordProblem(password: string, confirm: string, email: string): string | null {
  if (Array.from(password).length < MIN_PASSWORD_LENGTH) return 'password.tooShort';
  if (password.length > MAX_PASSWORD_LENGTH) return 'password.tooLong';
  if (password !== confirm) return 'password.mismatch';
  if (password.trim().toLowerCase() === email.toLowerCase()) return 'password.weak';
  return null;
}
