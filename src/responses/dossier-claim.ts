import type { DossierClaimModel } from './side-records.model';
import { normalizeDossierCode, saltedHash } from './hashing';
import { collectionOf } from '../data/by-id';

/**
 * One counted answer per TTHC dossier code and survey, decided by the projector as it takes the answer in
 * (src/projector/plan-batch.ts). Only an unflagged answer claims a code: a honeypot or
 * too-fast script must not burn the receipt codes of real people. A code someone else claimed does not refuse the
 * answer either: it is stored flagged `dossier_reused` for review, and the page thanks the person just the same,
 * so the form tells nobody whether a code was used.
 *
 * The claim keeps a tag of the form token to recognise a retry of the same form (after an outage, a double
 * click), never the response id: the desk knows whose dossier a code is, and the id would lead from the code to
 * the answers. The tag is an HMAC of the whole signed token, whose signature only the server can make, so even
 * someone holding a copy of the database cannot match tags to responses. Nor does it keep a time, and a batch's
 * claims are written in the order of their ids (hashes), not of arrival; backups rewrite them all in that order
 * (backup/scrub-copy.ts). What is left is said in docs/reliability.md.
 */
export const claimIdOf = (salt: string, surveyKey: string, code: string) => `${surveyKey}:${saltedHash(salt, normalizeDossierCode(code))}`;
export const retryTagOf = (salt: string, signedToken: string) => saltedHash(salt, `dossier-claim\u0000${signedToken}`);

/** Claims written before tags existed named their response in clear: drop the name (run once at start-up). */
export async function forgetClaimResponseIds(DossierClaim: DossierClaimModel): Promise<number> {
  const result = await collectionOf(DossierClaim).updateMany({ responseId: { $exists: true } }, { $unset: { responseId: '' } });
  return result.modifiedCount;
}

/**
 * Claims written before issue 25 carried the answer's own millisecond (`claimedAt`), which joined a code to its
 * answer in any copy of the database: drop it (run once at start-up). A claim now holds no time at all.
 */
export async function forgetClaimTimes(DossierClaim: DossierClaimModel): Promise<number> {
  const result = await collectionOf(DossierClaim).updateMany({ claimedAt: { $exists: true } }, { $unset: { claimedAt: '' } });
  return result.modifiedCount;
}
