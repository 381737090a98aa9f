import type { Link } from '../links/link.model';
import type { TakesItems } from '../projector/ports';
import { newItemId, type AnswerItem } from '../projector/inbox';
import { claimIdOf, retryTagOf } from '../responses/dossier-claim';
import type { Flag, ResponseDoc } from '../responses/response.model';
import type { InsertRounds } from '../data/rounds';
import type { FormToken } from '../surveys/form-token';
import type { Submission } from '../surveys/submission-schema';
import type { SurveyVersion } from '../surveys/survey.model';
import type { Unit } from '../units/unit.model';
import { buildResponse } from './build-response';
import { LATE_AFTER_MS } from './given-time';

export interface StoreDeps {
  /** the answers' insert-once, in rounds shared with the other requests */
  responses: InsertRounds<ResponseDoc>;
  projector: TakesItems;
  /** installation salt for hashing dossier codes */
  salt: string;
  minFillSeconds: number;
  /** how long contact details are kept (days) */
  contactRetentionDays?: number;
}

export interface AnswerInput {
  link: Link;
  unit: Unit;
  survey: SurveyVersion;
  token: FormToken;
  /** the form token as posted (signed): the dossier claim's tag */
  signedToken: string;
  submission: Submission;
  lang: 'vi' | 'en';
  /** the device already submitted to this link (cookie): flagged, never blocked */
  repeatDevice: boolean;
  /** the client address, hashed under the day's salt (address-hash.ts); absent for answers not made over HTTP */
  addressHash?: string;
  consentText?: string;
  /** when it was given (answers/given-time.ts), if not now: a queued rating counts in that month, marked as late */
  givenAt?: Date;
}

export type StoreResult = { status: 'stored'; response: ResponseDoc } | { status: 'duplicate' };

const CONTACT_DAYS = 365;

/**
 * The critical path of an answer: two writes, each shared with the other answers of the moment (rounds.ts).
 * 1. The projector's inbox item: what the answer still has to change (figures, lists, its cluster, its dossier
 *    claim, its contact and follow-up case), with what the answer must not carry itself (contact details, the
 *    dossier code's salted hash).
 * 2. The answer, `_id` = the form token's id, so a replay or a double click stores nothing more; it names its item
 *    (`intake`), so of two attempts of one form only the stored one's item is applied.
 * In this order, a crash in between leaves an item without its answer, which the projector drops later; never an
 * answer without its item. Flags known here (too fast, honeypot, same device) are stored with the answer; the
 * projector adds those of the answer's cluster and claim. The person sees the same thank-you page either way.
 */
export async function storeAnswer(deps: StoreDeps, input: AnswerInput, now: Date): Promise<StoreResult> {
  const { submission, token } = input;
  const givenAt = input.givenAt ?? now;
  const fillSeconds = Math.max(0, Math.round((givenAt.getTime() - token.issuedAt) / 1000));
  const flags: Flag[] = [];
  if (fillSeconds < deps.minFillSeconds) flags.push('too_fast');
  if (submission.honeypotHit) flags.push('honeypot');
  if (input.repeatDevice) flags.push('repeat_device');

  const item: AnswerItem = {
    _id: newItemId(),
    kind: 'answer',
    at: now,
    responseId: token.id,
    ...(submission.contact
      ? { contact: { ...submission.contact, consentText: input.consentText ?? '', retentionDays: deps.contactRetentionDays ?? CONTACT_DAYS } }
      : {}),
    ...(submission.dossierCode
      ? { claim: { id: claimIdOf(deps.salt, input.survey.key, submission.dossierCode), tag: retryTagOf(deps.salt, input.signedToken) } }
      : {}),
  };
  const response = buildResponse({
    id: token.id,
    link: input.link,
    unit: input.unit,
    survey: input.survey,
    answers: submission.answers,
    comment: submission.comment,
    lang: input.lang,
    submittedAt: givenAt,
    ...(now.getTime() - givenAt.getTime() > LATE_AFTER_MS ? { arrivedAt: now } : {}),
    fillSeconds,
    flags,
    hasContact: Boolean(submission.contact),
    synthetic: false,
    addressHash: input.addressHash,
    intake: item._id,
  });
  await deps.projector.write(item);
  const stored = await deps.responses.insertOnce(response);
  if (!stored) {
    deps.projector.nudge(); // the replay's item is dropped soon rather than at the next tick
    return { status: 'duplicate' };
  }
  deps.projector.track(item._id, response);
  return { status: 'stored', response };
}
