import mongoose from 'mongoose';
import { NotFoundError } from '../errors';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import type { StatsQuery } from '../stats/stats.service';
import { assertCanManage, type Principal } from './scope';

/** Responses of a scope and period range matching `keep`, newest first unless asked (lists page; exports read in order). */
export async function scopedResponses(
  models: Models,
  query: StatsQuery,
  keep: (r: ResponseDoc) => boolean = () => true,
  order: 'newest' | 'oldest' = 'newest',
): Promise<ResponseDoc[]> {
  const all = await models.Response.find({ kind: query.kind, period: mongoose.trusted({ $gte: query.from, $lte: query.to }) })
    .sort({ submittedAt: order === 'newest' ? -1 : 1 })
    .lean<ResponseDoc[]>();
  return all.filter((r) => (r.unitCode === query.unit.code || r.unitAncestors.includes(query.unit.code)) && (!query.level || r.level === query.level) && keep(r));
}

/** A response the caller may change (its unit is in the caller's managed subtree), or 404/403. */
export async function manageableResponse(models: Models, principal: Principal, id: string): Promise<ResponseDoc> {
  const response = await models.Response.findById(id).lean<ResponseDoc>();
  if (!response) throw new NotFoundError();
  assertCanManage(principal, { code: response.unitCode, ancestors: response.unitAncestors });
  return response;
}
