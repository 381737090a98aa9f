import crypto from 'node:crypto';
import { purposeKey } from '../../src/secret-keys';
import { issueFormToken, verifyFormToken } from '../../src/surveys/form-token';

const SECRET = 'a-test-secret-that-is-long-enough-000';
const token = { id: 'abc123', link: 'LINKCODE', version: 2, issuedAt: 1_800_000_000_000 };

/** A form token's payload signed with any key, the way issueFormToken lays it out. */
function signedWith(key: string): string {
  const payload = Buffer.from(JSON.stringify([token.id, token.link, token.version, token.issuedAt])).toString('base64url');
  return `${payload}.${crypto.createHmac('sha256', key).update(payload).digest('base64url')}`;
}

describe('keys per purpose (HKDF from SESSION_SECRET)', () => {
  it('when keys are derived, then each purpose has its own, none is the secret, and the same secret gives the same keys', () => {
    const keys = (['session-cookie', 'device-cookie', 'form-token', 'anonymous-csrf'] as const).map((p) => purposeKey(SECRET, p));
    expect(new Set(keys).size).toBe(4);
    expect(keys).not.toContain(SECRET);
    expect(purposeKey(SECRET, 'form-token')).toBe(keys[2]);
    expect(purposeKey(`${SECRET}x`, 'form-token')).not.toBe(keys[2]);
  });

  it('when a form token is signed with the session key (or with the bare secret that used to sign sessions), then it is refused', () => {
    expect(verifyFormToken(signedWith(purposeKey(SECRET, 'session-cookie')), SECRET, token.issuedAt)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyFormToken(signedWith(purposeKey(SECRET, 'device-cookie')), SECRET, token.issuedAt)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyFormToken(signedWith(SECRET), SECRET, token.issuedAt)).toEqual({ ok: false, reason: 'invalid' });
    // Signed with its own key, the same payload passes.
    expect(verifyFormToken(signedWith(purposeKey(SECRET, 'form-token')), SECRET, token.issuedAt)).toEqual({ ok: true, token });
    expect(verifyFormToken(issueFormToken(token, SECRET), SECRET, token.issuedAt)).toEqual({ ok: true, token });
  });
});
