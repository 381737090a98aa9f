import type { Connection } from 'mongoose';
import { applyPlan } from '../../src/projector/apply-plan';
import { CLUSTER_LIMITS } from '../../src/projector/address-clusters';
import { inboxCollection } from '../../src/projector/inbox';
import { packPlan, type Plan } from '../../src/projector/plan';
import { planBatch } from '../../src/projector/plan-batch';
import { Lease, openBatch, readState, stateCollection, STATE_ID } from '../../src/projector/projector-state';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { surveyModel } from '../../src/surveys/survey.model';

/**
 * What an instance killed in the middle of a batch leaves behind: it took the lease, planned the waiting items,
 * opened the batch with its plan, wrote `partial(plan)` of it and died. Its lease is then let go as if it had
 * expired, so the next projector takes over at once instead of after LEASE_MS. Returns the batch number.
 */
export async function cutOffBatch(db: Connection, partial: (plan: Plan) => Plan, limits = CLUSTER_LIMITS): Promise<number> {
  const lease = new Lease(db);
  if (!(await lease.acquire())) throw new Error('the projector lease is taken');
  const state = await readState(db);
  if (state.open) throw new Error('a batch is open already');
  const items = await inboxCollection(db).find({}).sort({ _id: 1 }).toArray();
  const planned = await planBatch({ db, scaleOf: new SurveyCatalog(surveyModel(db)).scaleOf, limits }, items);
  const batch = (state.applied ?? 0) + 1;
  if (!(await openBatch(db, lease.holder, state.applied ?? 0, { batch, items: planned.consumed, plan: packPlan(planned.plan), at: new Date() })))
    throw new Error('could not open the batch');
  await applyPlan(db, batch, partial(planned.plan));
  await stateCollection(db).updateOne({ _id: STATE_ID }, { $set: { until: 0 } });
  return batch;
}
