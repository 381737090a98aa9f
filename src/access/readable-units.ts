import type { Models } from '../models';
import type { Unit } from '../units/unit.model';
import { canManage, canRead, type Principal } from './scope';
import { allUnits } from '../units/unit-directory';

/** Units the caller may read (for pickers), in code order. */
export async function readableUnits(models: Models, principal: Principal): Promise<Unit[]> {
  return (await allUnits(models.Unit)).filter((u) => canRead(principal, u));
}

export async function manageableUnits(models: Models, principal: Principal): Promise<Unit[]> {
  return (await allUnits(models.Unit)).filter((u) => canManage(principal, u));
}
