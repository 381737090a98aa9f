import argon2 from 'argon2';
import crypto from 'node:crypto';

/** argon2id with the library's defaults (64 MiB, 3 passes): slow on purpose. */
export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

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
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'password.tooShort';
  if (password.length > MAX_PASSWORD_LENGTH) return 'password.tooLong';
  if (password !== confirm) return 'password.mismatch';
  if (password.trim().toLowerCase() === email.toLowerCase()) return 'password.weak';
  return null;
}
