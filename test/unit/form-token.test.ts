import { issueFormToken, TOKEN_MAX_AGE_MS, verifyFormToken } from '../../src/surveys/form-token';

const secret = 'a-test-secret-that-is-long-enough-000';
const token = { id: 'abc123', link: 'LINKCODE', version: 2, issuedAt: 1_800_000_000_000 };

describe('form tokens', () => {
  it('when a token is issued and verified with the same secret, then its fields come back', () => {
    const check = verifyFormToken(issueFormToken(token, secret), secret, token.issuedAt + 5000);
    expect(check).toEqual({ ok: true, token });
  });

  it('when a token is tampered with or signed with another secret, then it is invalid', () => {
    const value = issueFormToken(token, secret);
    const forged = issueFormToken({ ...token, link: 'OTHER' }, 'another-secret-another-secret-0000');
    expect(verifyFormToken(forged, secret, token.issuedAt)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyFormToken(`${value}x`, secret, token.issuedAt)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyFormToken('garbage', secret, token.issuedAt)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyFormToken(undefined, secret, token.issuedAt)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('when a token is older than its maximum age, then it is expired', () => {
    const value = issueFormToken(token, secret);
    expect(verifyFormToken(value, secret, token.issuedAt + TOKEN_MAX_AGE_MS + 1)).toEqual({ ok: false, reason: 'expired' });
  });
});
