import { NotFoundError } from '../errors';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { assertCanManage, type Principal } from './scope';

/** A response the caller may change (its unit is in the caller's managed subtree), or 404/403. */
export async function manageableResponse(models: Models, principal: Principal, id: string): Promise<ResponseDoc> {
  const response = await models.Response.findById(id).lean<ResponseDoc>();
  if (!response) throw new NotFoundError();
  assertCanManage(principal, { code: response.unitCode, ancestors: response.unitAncestors });
  return response;
}
