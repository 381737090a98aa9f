import { AppError, ForbiddenError } from '../errors';
import type { Role } from './access.models';

/** Who is asking: a signed-in user or an API token. Every query is scoped by `unitCode`'s subtree. */
export interface Principal {
  kind: 'user' | 'token';
  id: string;
  label: string;
  role: Role;
  unitCode: string;
}

export interface UnitRef {
  code: string;
  ancestors: string[];
}

export { inSubtree } from '../units/subtree';
import { inSubtree } from '../units/subtree';

/** Super admins and department staff see the whole province; unit managers and viewers their subtree. */
/** Department staff and super admins, signed in: who may act for the whole province. */
export const provinceWide = (principal: Principal) => principal.kind === 'user' && (principal.role === 'super_admin' || principal.role === 'department');

/**
 * Raw answers (one row per respondent, with comments) only for province-wide staff: in a unit's own export a
 * handful of rows is a handful of identifiable parents or citizens, whatever the figures hide.
 */
export const mayExportResponses = (principal: Principal) => provinceWide(principal);

export function canRead(principal: Principal, unit: UnitRef): boolean {
  return provinceWide(principal) || inSubtree(principal.unitCode, unit);
}

export function canManage(principal: Principal, unit: UnitRef): boolean {
  return principal.kind === 'user' && principal.role !== 'viewer' && (provinceWide(principal) || inSubtree(principal.unitCode, unit));
}

export function assertCanRead(principal: Principal, unit: UnitRef): void {
  if (!canRead(principal, unit)) throw new ForbiddenError('This unit is outside your scope.');
}

export function assertCanManage(principal: Principal, unit: UnitRef): void {
  if (!canManage(principal, unit)) throw new ForbiddenError('You cannot manage this unit.');
}

/**
 * Including or excluding a flagged answer moves the figures a unit is judged by, so a decision about answers of
 * one's own units (the subtree one manages) needs a province-wide role: a unit manager can no longer drop the bad
 * answers about its own school. Outside one's subtree canManage already refuses, so in effect only province-wide
 * staff decide; the check says why.
 */
export function canDecideReview(principal: Principal, unit: UnitRef): boolean {
  return canManage(principal, unit) && (provinceWide(principal) || !inSubtree(principal.unitCode, unit));
}

export function assertCanDecideReview(principal: Principal, unit: UnitRef): void {
  assertCanManage(principal, unit);
  if (!canDecideReview(principal, unit)) throw new AppError(403, 'review_own_unit', 'Answers about your own units are decided by province-wide staff.');
}
