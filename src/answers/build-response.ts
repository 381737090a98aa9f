import type { Link } from '../links/link.model';
import { periodOf } from '../responses/period';
import type { Flag, ResponseDoc } from '../responses/response.model';
import { skippedQuestions } from '../surveys/form-fields';
import type { SurveyVersion } from '../surveys/survey.model';
import type { Unit } from '../units/unit.model';

export function topTwo(score: number, scale: number): boolean {
  return score >= scale - 1;
}

/**
 * The stored document of one answer sheet, with its derived fields (period, top-two flag) and unit copied in, so
 * figures never depend on later edits. Flagged responses are not counted until an admin includes them; an unflagged
 * one is stored as counted and the projector confirms it (or flags it: a crowded address, a reused dossier code).
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
  /** when it arrived, for an answer sent late (a queued kiosk rating): it counts in the month it was given */
  arrivedAt?: Date;
  fillSeconds: number;
  flags: Flag[];
  hasContact: boolean;
  synthetic: boolean;
  addressHash?: string;
  /** the projector's inbox item that takes it in (answers/store-answer.ts) */
  intake?: string;
}): ResponseDoc {
  const { link, unit, survey } = input;
  const overall = input.answers[survey.definition.overall.key];
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
    skipped: skippedQuestions(survey.definition, input.answers),
    ...(overall !== undefined ? { overall, overallTopTwo: topTwo(overall, survey.definition.scale) } : {}),
    ...(input.comment ? { comment: input.comment } : {}),
    lang: input.lang,
    submittedAt: input.submittedAt,
    period: periodOf(input.submittedAt),
    ...(input.arrivedAt ? { arrivedAt: input.arrivedAt } : {}),
    fillSeconds: input.fillSeconds,
    ...(input.addressHash ? { addressHash: input.addressHash } : {}),
    flags: input.flags,
    counted: input.flags.length === 0,
    hasContact: input.hasContact,
    synthetic: input.synthetic,
    ...(input.intake ? { intake: input.intake } : {}),
  };
}
