import crypto from 'node:crypto';

/**
 * One key per purpose, derived from SESSION_SECRET with HKDF-SHA256. A value signed for one purpose (a session
 * cookie, a form token, a device cookie, an anonymous CSRF token) is then worthless for any other, and a key that
 * leaks through one of them (a log line, a debugging dump) does not sign the others.
 */
export type KeyPurpose = 'session-cookie' | 'device-cookie' | 'form-token' | 'anonymous-csrf';

// Fixed and public on purpose: HKDF's salt separates this application's keys, the secret stays the only secret.
const SALT = 'hai-long/keys/v1';

// Form tokens are issued on every form view (bursts of hundreds a minute): derive each key once per secret.
const derived = new Map<string, string>();

export function purposeKey(secret: string, purpose: KeyPurpose): string {
  const id = `${purpose}\u0000${secret}`;
  let key = derived.get(id);
  if (key === undefined) {
    key = Buffer.from(crypto.hkdfSync('sha256', secret, SALT, `hai-long ${purpose}`, 32)).toString('base64url');
    // Tests build many apps with different secrets; a process normally has one. Keep the memo from growing anyway.
    if (derived.size > 64) derived.clear();
    derived.set(id, key);
  }
  return key;
}
