import type { Role } from './access.models';
import { canManage, inSubtree, type Principal, type UnitRef } from './scope';

/** Role order, highest first: super_admin > department > unit_manager > viewer. */
const RANK: Record<Role, number> = { super_admin: 4, department: 3, unit_manager: 2, viewer: 1 };

/** Department staff and super admins see the whole province whatever their unit; the others their subtree. */
const PROVINCE_WIDE: ReadonlySet<Role> = new Set(['super_admin', 'department']);

/**
 * May `principal` create, disable or reset the password of an account with `role` at `unit`?
 * - super admins manage every account (someone has to manage super admins);
 * - everyone else only accounts of a lower role, within the units they manage;
 * - an equal role only for a unit-scoped role at a unit strictly below their own (a district office's
 *   manager manages its schools' managers), never a peer at the same unit nor province-wide staff.
 */
export function canManageUser(principal: Principal, target: { role: Role; unit: UnitRef }): boolean {
  if (principal.kind !== 'user') return false;
  if (principal.role === 'super_admin') return true;
  if (!canManage(principal, target.unit)) return false;
  if (RANK[target.role] < RANK[principal.role]) return true;
  return (
    target.role === principal.role && !PROVINCE_WIDE.has(target.role) && target.unit.code !== principal.unitCode && inSubtree(principal.unitCode, target.unit)
  );
}
