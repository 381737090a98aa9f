import { ForbiddenError } from '../errors';
import type { Role } from './admin.models';

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

export function inSubtree(root: string, unit: UnitRef): boolean {
  return unit.code === root || unit.ancestors.includes(root);
}

/** Super admins and department staff see the whole province; unit managers and viewers their subtree. */
const provinceWide = (principal: Principal) => principal.kind === 'user' && (principal.role === 'super_admin' || principal.role === 'department');

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
