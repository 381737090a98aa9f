import crypto from 'node:crypto';
import { audit } from '../access/audit';
import { canManage, canRead, type Principal } from '../access/scope';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { periodOf } from '../responses/period';
import { addWorkingDays } from './working-days';
import { CLOSED_STATUSES, type CaseDoc, type CaseStatus } from './case.model';
import { collectionOf } from '../data/by-id';

/** Working days to the first call back unless a department sets its own per kind (settings `case-due-days:<kind>`). */
export const DEFAULT_DUE_WORKING_DAYS = 5;
/** Contact details of a closed case are deleted this long after closing (the retention job does it). */
export const CONTACT_DAYS_AFTER_CLOSE = 30;

const DAY_MS = 24 * 3600 * 1000;

/** A rating in the bottom two levels of a five-level scale: a quick rating (three levels) never asks for contact. */
export const isLowRating = (overall: number, scale: number) => scale === 5 && overall <= 2;

export async function dueWorkingDays(models: Pick<Models, 'Setting'>, kind: string): Promise<number> {
  return dueDaysOf((await models.Setting.findById(dueDaysSettingId(kind)).lean())?.value);
}

/** Sets the working days to the first call back for one survey kind (cases opened from now on). */
export async function setDueWorkingDays(models: Pick<Models, 'Setting'>, kind: string, days: number): Promise<void> {
  await models.Setting.updateOne({ _id: dueDaysSettingId(kind) }, { $set: { value: String(days) } }, { upsert: true });
}

/** A case's id, from its answer's: one case per answer, however often its opening is applied. */
export const caseIdOf = (responseId: string) => crypto.createHash('sha256').update(`case\u0000${responseId}`).digest('base64url').slice(0, 16);

/**
 * The follow-up case of a stored answer that rated its overall question low and gave contact details with
 * consent (null for any other answer): opened when the answer came in, due `dueDays` working days later. The
 * projector inserts it once, with the answer's contact (src/projector/).
 */
export function caseFor(response: ResponseDoc, scale: number, dueDays: number): CaseDoc | null {
  if (!response.hasContact || typeof response.overall !== 'number' || !isLowRating(response.overall, scale)) return null;
  return {
    _id: caseIdOf(response._id),
    kind: response.kind,
    surveyKey: response.surveyKey,
    responseId: response._id,
    unitCode: response.unitCode,
    unitAncestors: response.unitAncestors ?? [],
    overall: response.overall,
    scale,
    flags: [...response.flags],
    status: 'new',
    openedAt: response.submittedAt,
    dueAt: addWorkingDays(response.submittedAt, dueDays),
    notes: [],
  };
}

/** The settings ids of the per-kind due days (read once per projector batch). */
export const dueDaysSettingId = (kind: string) => `case-due-days:${kind}`;
export const dueDaysOf = (value: unknown) => {
  const days = Number(value);
  return Number.isInteger(days) && days >= 1 && days <= 60 ? days : DEFAULT_DUE_WORKING_DAYS;
};

/**
 * The cases of `unitCode`'s subtree (the caller's own unit by default), newest first; optionally one status.
 * Cases open with answers, through the projector: pages settle it first (this instance's own answers first).
 */
export async function casesInScope(models: Models, principal: Principal, unitCode: string, status?: CaseStatus): Promise<CaseDoc[]> {
  const cases = await models.Case.find(status ? { status } : {}).lean<CaseDoc[]>();
  return cases
    .filter((c) => (c.unitCode === unitCode || c.unitAncestors.includes(unitCode)) && canRead(principal, { code: c.unitCode, ancestors: c.unitAncestors }))
    .sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime());
}

/** One case the caller may read; 404 otherwise (a case outside one's units is not confirmed to exist). */
export async function readableCase(models: Models, principal: Principal, id: string): Promise<CaseDoc> {
  const found = /^[\w-]{1,40}$/.test(id) ? await models.Case.findById(id).lean<CaseDoc>() : null;
  if (!found || !canRead(principal, { code: found.unitCode, ancestors: found.unitAncestors })) throw new NotFoundError('Unknown case.');
  return found;
}

/**
 * Acting on a case (its status, notes, assignee, the note to the citizen) and seeing the citizen's contact details
 * need the right to manage the case's unit: a read-only viewer reads the case and its comment, nothing more.
 */
export const canActOnCase = (principal: Principal, c: Pick<CaseDoc, 'unitCode' | 'unitAncestors'>) =>
  canManage(principal, { code: c.unitCode, ancestors: c.unitAncestors });

export const isOverdue = (c: CaseDoc, now: Date) => !CLOSED_STATUSES.includes(c.status) && c.dueAt.getTime() < now.getTime();

export type CaseAction =
  { action: 'contacted' | 'resolved' | 'closed_unreachable' } | { action: 'assign'; assignee: string } | { action: 'note'; text: string };

/** From which statuses each status can be reached. */
const ALLOWED_FROM: Record<'contacted' | 'resolved' | 'closed_unreachable', CaseStatus[]> = {
  contacted: ['new'],
  resolved: ['new', 'contacted'],
  closed_unreachable: ['new', 'contacted'],
};

/**
 * Applies one change to a case the caller may read, audited. A status change is conditional on the status the
 * case had, so two staff closing it at once do not both succeed (409 for the second). Closing starts the countdown
 * to the contact details' deletion.
 */
export async function changeCase(models: Models, principal: Principal, id: string, change: CaseAction, now: Date): Promise<void> {
  const current = await readableCase(models, principal, id);
  if (!canActOnCase(principal, current)) throw new ForbiddenError('Viewers can read cases but not change them.');
  const cases = collectionOf<CaseDoc>(models.Case);
  if (change.action === 'note') {
    const text = change.text.trim();
    if (!text || text.length > 2000) throw new BadRequestError('A note has 1 to 2,000 characters.');
    await cases.updateOne({ _id: id }, { $push: { notes: { at: now, by: principal.label, text } } });
    await audit(models.Audit, { actor: principal.label, action: 'case.note', target: id }, now);
    return;
  }
  if (change.action === 'assign') {
    const assignee = change.assignee.trim();
    if (!assignee || assignee.length > 120) throw new BadRequestError('Name who the case is assigned to.');
    await cases.updateOne({ _id: id }, { $set: { assignee } });
    await audit(models.Audit, { actor: principal.label, action: 'case.assign', target: id, details: { assignee } }, now);
    return;
  }
  const to = change.action;
  const from = ALLOWED_FROM[to];
  if (!from.includes(current.status)) throw new ConflictError(`A case that is ${current.status} cannot become ${to}.`);
  const closing = CLOSED_STATUSES.includes(to);
  const set: Partial<CaseDoc> = {
    status: to,
    ...(closing ? { closedAt: now } : {}),
    ...(current.firstContactAt || to === 'closed_unreachable' ? {} : { firstContactAt: now }),
  };
  const result = await cases.updateOne({ _id: id, status: current.status }, { $set: set });
  if (!result.modifiedCount) throw new ConflictError('The case was changed meanwhile; reload it.');
  if (closing) {
    const deleteBy = new Date(now.getTime() + CONTACT_DAYS_AFTER_CLOSE * DAY_MS);
    const contacts = collectionOf<{ _id: string; responseId: string; retainUntil: Date }>(models.Contact);
    await contacts.updateMany({ responseId: current.responseId, retainUntil: { $gt: deleteBy } }, { $set: { retainUntil: deleteBy } });
  }
  await audit(models.Audit, { actor: principal.label, action: `case.${to}`, target: id, details: { from: current.status } }, now);
}

/** The follow-up figures of a month for the monthly e-mail. */
export interface CaseMonth {
  opened: number;
  closed: number;
  /** open now and past their due date */
  overdue: number;
  /** median time from opening to the first contact, over the cases first contacted in the month; null without any */
  medianHoursToContact: number | null;
}

/** The cases of `unitCode`'s subtree in `period` (opened, closed, first contacted then) and those overdue as of `now`. */
export async function caseMonth(models: Models, unitCode: string, period: string, now: Date): Promise<CaseMonth> {
  const inScope = (await models.Case.find().lean<CaseDoc[]>()).filter((c) => c.unitCode === unitCode || c.unitAncestors.includes(unitCode));
  const inPeriod = (date: Date | undefined) => date !== undefined && periodOf(date) === period;
  const hours = inScope
    .filter((c) => inPeriod(c.firstContactAt))
    .map((c) => (c.firstContactAt!.getTime() - c.openedAt.getTime()) / 3600_000)
    .sort((a, b) => a - b);
  const mid = Math.floor(hours.length / 2);
  return {
    opened: inScope.filter((c) => inPeriod(c.openedAt)).length,
    closed: inScope.filter((c) => inPeriod(c.closedAt)).length,
    overdue: inScope.filter((c) => isOverdue(c, now)).length,
    medianHoursToContact: hours.length ? (hours.length % 2 ? hours[mid]! : (hours[mid - 1]! + hours[mid]!) / 2) : null,
  };
}
