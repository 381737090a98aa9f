import type { Link } from '../links/link.model';
import type { SurveyVersion } from '../surveys/survey.model';
import type { Submission } from '../surveys/submission-schema';
import type { Unit } from '../units/unit.model';
import type { FormToken } from '../surveys/form-token';
import { normalizeDossierCode, saltedHash } from './hashing';
import { periodOf } from './period';
import type { Flag, ResponseDoc, ResponseModel } from './response.model';
import type { RollupModel } from './rollup.model';
import { applyToRollup } from './rollup.service';
import type { ContactModel, DossierClaimModel } from './side-records.model';

export interface SubmitDeps {
  Response: ResponseModel;
  Rollup: RollupModel;
  DossierClaim: DossierClaimModel;
  Contact: ContactModel;
  /** Installation salt for hashing dossier codes. */
  salt: string;
  minFillSeconds: number;
  /** How long contact details are kept (days). */
  contactRetentionDays?: number;
}

export interface SubmitInput {
  link: Link;
  unit: Unit;
  survey: SurveyVersion;
  token: FormToken;
  submission: Submission;
  lang: 'vi' | 'en';
  /** The device already submitted to this link (cookie): flagged, never blocked. */
  repeatDevice: boolean;
  consentText?: string;
  synthetic?: boolean;
}

export type SubmitResult = { status: 'stored'; response: ResponseDoc } | { status: 'duplicate' } | { status: 'dossier_taken' };

const isDuplicateKey = (error: unknown) => (error as { code?: number } | null)?.code === 11000;

export function topTwo(score: number, scale: number): boolean {
  return score >= scale - 1;
}

/**
 * The stored document of one answer sheet, with its derived fields (period, top-two flag) and unit copied in.
 * Flagged responses are not counted and need no rollup, so they start "rolled up".
 */
export function buildResponse(input: {
  id: string;
  link: Link;
  unit: Unit;
  survey: SurveyVersion;
  answers: Record<string, number>;
  comment?: string;
  lang: 'vi' | 'en';
  submittedAt: Date;
  fillSeconds: number;
  flags: Flag[];
  hasContact: boolean;
  synthetic: boolean;
}): ResponseDoc {
  const { link, unit, survey } = input;
  const overall = input.answers[survey.definition.overall.key];
  const counted = input.flags.length === 0;
  return {
    _id: input.id,
    linkCode: link.code,
    surveyKey: survey.key,
    surveyVersion: survey.version,
    kind: survey.kind,
    channel: survey.channel,
    unitCode: unit.code,
    unitAncestors: unit.ancestors,
    ...(unit.level ? { level: unit.level } : {}),
    ...(unit.district ? { district: unit.district } : {}),
    ...(link.procedure ? { procedureCode: link.procedure.code } : {}),
    answers: input.answers,
    ...(overall !== undefined ? { overall, overallTopTwo: topTwo(overall, survey.definition.scale) } : {}),
    ...(input.comment ? { comment: input.comment } : {}),
    lang: input.lang,
    submittedAt: input.submittedAt,
    period: periodOf(input.submittedAt),
    fillSeconds: input.fillSeconds,
    flags: input.flags,
    counted,
    rolledUp: !counted,
    hasContact: input.hasContact,
    synthetic: input.synthetic,
  };
}

/**
 * Stores one submission exactly once. The token id is the response `_id`, so a replay or a double click hits the
 * unique index and stores nothing more. Suspicious submissions (too fast, honeypot, same device again) are stored
 * with flags and kept out of the figures instead of being dropped, so an admin can review them.
 * Order matters without transactions: claim the dossier code, insert the response, then add it to the rollup.
 */
export async function submitResponse(deps: SubmitDeps, input: SubmitInput, now: Date): Promise<SubmitResult> {
  const { link, unit, survey, token, submission } = input;
  const fillSeconds = Math.max(0, Math.round((now.getTime() - token.issuedAt) / 1000));
  const flags: Flag[] = [];
  if (fillSeconds < deps.minFillSeconds) flags.push('too_fast');
  if (submission.honeypotHit) flags.push('honeypot');
  if (input.repeatDevice) flags.push('repeat_device');

  if (submission.dossierCode) {
    const claimId = `${survey.key}:${saltedHash(deps.salt, normalizeDossierCode(submission.dossierCode))}`;
    try {
      await deps.DossierClaim.create({ _id: claimId, responseId: token.id, claimedAt: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The same form sent again (a retry after an outage) owns its claim; anyone else's claim refuses it.
      const claim = await deps.DossierClaim.findById(claimId).lean();
      if (claim?.responseId !== token.id) return { status: 'dossier_taken' };
    }
  }

  const counted = flags.length === 0;
  const response = buildResponse({
    id: token.id,
    link,
    unit,
    survey,
    answers: submission.answers,
    comment: submission.comment,
    lang: input.lang,
    submittedAt: now,
    fillSeconds,
    flags,
    hasContact: Boolean(submission.contact),
    synthetic: input.synthetic ?? false,
  });
  try {
    await deps.Response.collection.insertOne(response as unknown as Record<string, unknown>);
  } catch (error) {
    if (isDuplicateKey(error)) return { status: 'duplicate' };
    throw error;
  }

  if (submission.contact) {
    const retainUntil = new Date(now.getTime() + (deps.contactRetentionDays ?? 365) * 24 * 3600 * 1000);
    await deps.Contact.create({
      responseId: response._id,
      purpose: 'feedback_followup',
      consentText: input.consentText ?? '',
      ...submission.contact,
      consentedAt: now,
      retainUntil,
    });
  }

  if (counted) {
    await applyToRollup(deps.Rollup, response, survey.definition.scale);
    await deps.Response.updateOne({ _id: response._id }, { $set: { rolledUp: true } });
  }
  return { status: 'stored', response };
}
