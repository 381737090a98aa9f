import type { Models } from '../../src/models';
import { rebuildRollups } from '../../src/figures/rebuild';
import { answersNotProjected, countedInFigures } from '../helpers/figure-counts';
import type { Attempt } from './load-driver';

/** The projector takes answers in after their request (src/projector/), in app processes too: wait for it. */
async function changesLanded(models: Models, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await answersNotProjected(models)) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
}

/**
 * The promises checked after load or faults: every accepted answer (303) is stored exactly once, nothing else was
 * stored for those links, and the figures equal a recount of the stored counted responses.
 */
export async function reconcile(models: Models, accepted: Attempt[], linkCodes: string[]) {
  await changesLanded(models);
  const ids = new Set(accepted.map((a) => a.tokenId));
  const stored = (await models.Response.find({}, { _id: 1, linkCode: 1 }).lean()).filter((r) => linkCodes.includes(r.linkCode));
  const storedIds = new Set(stored.map((r) => r._id));
  const missing = [...ids].filter((id) => !storedIds.has(id));
  const scaleOf = (key: string) => Promise.resolve(key === 'tthc-quick' ? 3 : 5);
  const rebuild = await rebuildRollups(models, scaleOf, { fix: false });
  const counted = await models.Response.countDocuments({ counted: true });
  const rollupRespondents = await countedInFigures(models);
  return { accepted: ids.size, stored: stored.length, missing, differences: rebuild.differences, counted, rollupRespondents };
}
