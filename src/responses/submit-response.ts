import { storeCountedInRounds } from './store-in-rounds';
import type { Link } from '../links/link.model';
import type { SurveyVersion } from '../surveys/survey.model';
import type { Submission } from '../surveys/submission-schema';
import type { Unit } from '../units/unit.model';
import type { FormToken } from '../surveys/form-token';
import { CLUSTER_LIMITS, countSighting, type ClusterLimits } from './address-clusters';
import { claimDossier } from './dossier-claim';
import { periodOf } from './period';
import type { Flag, ResponseDoc, ResponseModel } from './response.model';
import type { RollupStore } from '../rollups/rollup-store';
import type { ContactModel, DossierClaimModel } from './side-records.model';
import { insertOnce } from '../db-writes';
import { settleCluster } from './settle-cluster';
import { indexNewResponse, resyncResponses } from '../lists/list-sync';
import type { CaseModel } from '../cases/case.model';
import { openCaseFor } from '../cases/case-service';
import type { SettingModel } from '../settings.model';

export interface SubmitDeps {
  Response: ResponseModel;
  /** the figures' counters (rollups/rollup-store.ts) */
  rollups: RollupStore;
  DossierClaim: DossierClaimModel;
  Contact: ContactModel;
  /** follow-up cases: a low rating with contact consent opens one (cases/case-service.ts) */
  Case: CaseModel;
  Setting: SettingModel;
  /** Installation salt for hashing dossier codes. */
  salt: string;
  minFillSeconds: number;
  /** How long contact details are kept (days). */
  contactRetentionDays?: number;
  /** Cluster limits per address, link and hour (address-clusters.ts); tests may lower them. */
  clusterLimits?: ClusterLimits;
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
  /** The client address, hashed under the day's salt (address-hash.ts); absent for answers not made over HTTP. */
  addressHash?: string;
  /** The form token as posted (signed): recognises a retry of the same form on a dossier claim. */
  signedToken: string;
  consentText?: string;
  synthetic?: boolean;
}

export type SubmitResult = { status: 'stored'; response: ResponseDoc } | { status: 'duplicate' };

export function topTwo(score: number, scale: number): boolean {
  return score >= scale - 1;
}

/**
 * The stored document of one answer sheet, with its derived fields (period, top-two flag) and unit copied in.
 * Flagged responses are not counted (no rollup change) until an admin includes them.
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
  addressHash?: string;
  ratedDossier?: boolean;
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
    ...(input.ratedDossier ? { ratedDossier: true } : {}),
    answers: input.answers,
    ...(overall !== undefined ? { overall, overallTopTwo: topTwo(overall, survey.definition.scale) } : {}),
    ...(input.comment ? { comment: input.comment } : {}),
    lang: input.lang,
    submittedAt: input.submittedAt,
    period: periodOf(input.submittedAt),
    fillSeconds: input.fillSeconds,
    ...(input.addressHash ? { addressHash: input.addressHash } : {}),
    flags: input.flags,
    counted,
    hasContact: input.hasContact,
    synthetic: input.synthetic,
  };
}

/**
 * Stores one submission exactly once. The token id is the response `_id`, so a replay or a double click hits the
 * unique index and stores nothing more. Suspicious submissions (too fast, honeypot, same device again, part of a
 * cluster from one address, a dossier code already rated) are stored with flags and kept out of the figures
 * instead of being dropped, so an admin can review them; the person always sees the thank-you page.
 * Order matters without transactions: count the answer in its address cluster, claim the dossier code (unflagged
 * answers only), then for a counted answer mark the change, insert the response, add it to its leaf rollup and
 * the figures of every scope above it, clear the mark (rollups/counted-change.ts), then settle the cluster
 * (settle-cluster.ts). Whatever is cut off in between leaves a mark, which the repair finishes exactly.
 * No lock anywhere: the increments are atomic in the database, so any number of instances submit at once.
 */
export async function submitResponse(deps: SubmitDeps, input: SubmitInput, now: Date): Promise<SubmitResult> {
  const { link, unit, survey, token, submission } = input;
  const fillSeconds = Math.max(0, Math.round((now.getTime() - token.issuedAt) / 1000));
  const flags: Flag[] = [];
  if (fillSeconds < deps.minFillSeconds) flags.push('too_fast');
  if (submission.honeypotHit) flags.push('honeypot');
  if (input.repeatDevice) flags.push('repeat_device');

  const limits = deps.clusterLimits ?? CLUSTER_LIMITS;
  // Begun now if the answer may still be counted, so that its mark is written while the checks below run.
  const change = flags.length === 0 ? deps.rollups.startAnswer(token.id, survey.definition.scale) : undefined;
  const sighting = input.addressHash
    ? await countSighting(
        deps.Response.db,
        { addressHash: input.addressHash, linkCode: link.code, responseId: token.id, answers: submission.answers, sameAnswersRule: survey.channel === 'form', now },
        limits,
      )
    : undefined;
  if (sighting) flags.push(...sighting.flags);

  let ratedDossier = false;
  if (submission.dossierCode && flags.length === 0) {
    const claim = { salt: deps.salt, surveyKey: survey.key, code: submission.dossierCode, signedToken: input.signedToken, now };
    if ((await claimDossier(deps.DossierClaim, claim)) === 'reused') flags.push('dossier_reused');
    else ratedDossier = true;
  }

  const counted = flags.length === 0;
  const response: ResponseDoc = buildResponse({
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
    addressHash: input.addressHash,
    ratedDossier,
  });
  if (change && !counted) await change.drop();
  const stored = counted && change ? await change.count(response, (r) => storeCountedInRounds(deps.Response, r)) : await storeOnce(deps.Response, response);
  // Comment and review lists (src/lists/): before the cluster settles, which may flag this answer and resync it.
  // A duplicate resyncs instead: the first attempt may have stored the answer and failed before indexing it.
  if (stored) await indexNewResponse(deps.Response.db, response);
  else await resyncResponses(deps.Response.db, [response]);

  if (stored && submission.contact) {
    const retainUntil = new Date(now.getTime() + (deps.contactRetentionDays ?? 365) * 24 * 3600 * 1000);
    await deps.Contact.create({
      responseId: response._id,
      purpose: 'feedback_followup',
      consentText: input.consentText ?? '',
      ...submission.contact,
      consentedAt: now,
      retainUntil,
    });
    // After the contact: a case is only worth opening with someone to call. A crash in between leaves the contact
    // without its case for at most an hour: the retention sweep opens it (cases/case-service.ts openMissingCases).
    await openCaseFor(deps, response, survey.definition.scale, now);
  }
  // Also after a duplicate: the crossing answer's sweep must run even when its own insert lost to a replay.
  if (sighting) await settleCluster(deps, sighting, { response, stored }, survey.definition.scale, limits);

  return stored ? { status: 'stored', response } : { status: 'duplicate' };
}

/** Inserts the response; false when it was stored before (a replay or a double click). */
const storeOnce = (Response: ResponseModel, response: ResponseDoc): Promise<boolean> =>
  insertOnce(() => Response.collection.insertOne(response as unknown as Record<string, unknown>));
