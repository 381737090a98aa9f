import { ForbiddenError, NotFoundError } from '../errors';
import type { Models } from '../models';
import { unitsByCode } from '../units/unit-directory';
import type { User } from './access.models';
import { canManageUser } from './roles';
import { canRead, type Principal } from './scope';

/**
 * The accounts a principal may see: those whose unit lies in its subtree (province-wide roles: all). Every page
 * that lists accounts goes through here, the page after creating one included.
 */
export async function visibleUsers(models: Models, principal: Principal): Promise<{ users: User[]; manageable: string[] }> {
  const units = await unitsByCode(models.Unit);
  const users = (await models.User.find().sort({ email: 1 }).lean<User[]>()).filter((u) => {
    const unit = units.get(u.unitCode);
    return unit ? canRead(principal, unit) : canRead(principal, { code: u.unitCode, ancestors: [] });
  });
  const manageable = users
    .filter(
      (u) => u.email !== principal.label && canManageUser(principal, { role: u.role, unit: units.get(u.unitCode) ?? { code: u.unitCode, ancestors: [] } }),
    )
    .map((u) => u.email);
  return { users, manageable };
}

/** The account behind `email` if the principal may act on it: 404 outside its view, 403 for a role it may not manage. */
export async function findManageableUser(models: Models, principal: Principal, email: string): Promise<User> {
  const user = await models.User.findOne({ email }).lean<User>();
  if (!user) throw new NotFoundError();
  const unit = (await unitsByCode(models.Unit)).get(user.unitCode) ?? { code: user.unitCode, ancestors: [] };
  if (!canRead(principal, unit)) throw new NotFoundError();
  if (!canManageUser(principal, { role: user.role, unit })) throw new ForbiddenError('You cannot manage this account.');
  return user;
}
