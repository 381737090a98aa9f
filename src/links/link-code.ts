import crypto from 'node:crypto';

/**
 * Short unguessable link codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/l/I), about
 * 50 bits of randomness, so codes cannot be enumerated yet stay easy to type from a printed poster.
 */
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
export const LINK_CODE_PATTERN = /^[2-9a-hjkmnp-z]{10}$/;

export function newLinkCode(): string {
  const bytes = crypto.randomBytes(10);
  let code = '';
  for (const byte of bytes) code += ALPHABET.charAt(byte % ALPHABET.length);
  return code;
}
