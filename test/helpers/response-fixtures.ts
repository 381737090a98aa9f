import crypto from 'node:crypto';
import { storeAnswers } from '../../src/answers/store-many';
import type { Models } from '../../src/models';
import { periodOf } from '../../src/responses/period';
import type { ResponseDoc } from '../../src/responses/response.model';
import type { Unit } from '../../src/units/unit.model';
import { drainProjections } from './projections';
import { skippedQuestions } from '../../src/surveys/form-fields';
import { QUESTION_BANK } from '../../src/surveys/question-bank';

/** The questions of the bank's survey `surveyKey` that `answers` left blank (none for a survey not in the bank). */
export function skippedOf(surveyKey: string, answers: Record<string, number>): string[] {
  const definition = QUESTION_BANK.find((d) => d.key === surveyKey);
  return definition ? skippedQuestions(definition, answers) : [];
}

/**
 * A stored answer sheet of `unit` at `at`, uncounted unless said otherwise (the lists do not depend on the figures),
 * for tests of the comment and review lists and of the exports. Store it with `storeProjected` as a submission is,
 * or insert it with `collection.insertOne` as a response from before the list indexes.
 */
export function responseOf(unit: Unit, at: Date, fields: Partial<ResponseDoc> = {}): ResponseDoc {
  const kind = fields.kind ?? (unit.type === 'desk' ? 'tthc' : 'education');
  return {
    _id: crypto.randomUUID(),
    linkCode: `L-${unit.code}`,
    surveyKey: kind === 'tthc' ? 'tthc-sipas' : 'edu-parent-thcs',
    surveyVersion: 1,
    kind,
    channel: 'form',
    unitCode: unit.code,
    unitAncestors: unit.ancestors,
    ...(unit.level ? { level: unit.level } : {}),
    answers: { overall: 4 },
    skipped: skippedOf(fields.surveyKey ?? (kind === 'tthc' ? 'tthc-sipas' : 'edu-parent-thcs'), fields.answers ?? { overall: 4 }),
    overall: 4,
    overallTopTwo: true,
    lang: 'vi',
    submittedAt: at,
    period: periodOf(at),
    fillSeconds: 60,
    flags: [],
    counted: false,
    hasContact: false,
    synthetic: false,
    ...fields,
  };
}

/** `count` instants from day `start` (1-9) of a month, 67 minutes apart: several hours and days (Vietnam time). */
export function instants(month: string, count: number, start = 1): Date[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.parse(`${month}-0${start}T00:00:00Z`) + i * 67 * 60_000 + i * 1000));
}

/** The response ids of a list page, in page order (comment forms, or review decision forms, once per row). */
export function idsInPage(html: string, path: '/admin/comments' | '/admin/review'): string[] {
  const ids = [...html.matchAll(new RegExp(`action="${path}/([^"/]+)"`, 'g'))].map((m) => decodeURIComponent(m[1]!));
  return ids.filter((id, i) => ids.indexOf(id) === i);
}

/**
 * Stores answers as a submission does (their inbox items, then the answers) and waits for the projector to take
 * them in: counted into the figures, listed, clustered, followed up. For fixtures built as documents.
 */
export async function storeProjected(models: Pick<Models, 'Response'>, responses: readonly ResponseDoc[]): Promise<void> {
  await storeAnswers(models.Response.db, responses, new Date());
  await drainProjections(models.Response.db);
}
