import mongoose, { type Collection } from 'mongoose';
import type { ResponseDoc } from '../../src/responses/response.model';
import { notTakenIn } from '../../src/projector/recount';
import type { Models } from '../../src/models';
import { fieldKey } from '../../src/figures/counters';
import { unpackFigures } from '../../src/figures/figure.model';
import { allProjectorsSettled } from '../../src/projector/projector';
import { drainProjections } from './projections';
import { inboxCollection } from '../../src/projector/inbox';
import { readState } from '../../src/projector/projector-state';

/**
 * Answers counted in the figures, read from the figure documents at the top of the tree (units without a parent:
 * each counted answer is in exactly one of them per month), for one survey or for all. First the answers already
 * accepted by the apps in this process are projected (src/projector/).
 */
export async function countedInFigures(models: Models, surveyKey?: string): Promise<number> {
  await allProjectorsSettled();
  const roots = (await models.Unit.find({ parentCode: mongoose.trusted({ $in: [null, ''] }) }, { code: 1 }).lean()).map((u) => u.code);
  const docs = await models.Figure.find({ scope: mongoose.trusted({ $in: roots }) }).lean();
  let total = 0;
  for (const doc of docs) {
    const figures = unpackFigures(doc);
    if (!surveyKey) total += figures.respondents;
    // Every answer rates the overall question (the only required one), counted per unit and survey.
    else for (const bySurvey of Object.values(figures.units)) for (const count of Object.values(bySurvey[fieldKey(surveyKey)] ?? {})) total += count ?? 0;
  }
  return total;
}

/**
 * Work the projector has not applied yet (inbox items and an open batch), once the projectors of this process have
 * applied what they can. Looked at again for up to 10 s while some is left: the app's own projector may open one
 * more batch on a nudge that came after the drain (a replay's item, dropped by that batch), which a Node 24 run
 * once caught open.
 */
export async function workInFlight(models: Models): Promise<number> {
  const db = models.Response.db;
  const left = async () => {
    await allProjectorsSettled();
    await drainProjections(db);
    return (await inboxCollection(db).countDocuments()) + ((await readState(db)).open ? 1 : 0);
  };
  let work = await left();
  for (const started = Date.now(); work > 0 && Date.now() - started < 10_000; work = await left()) await new Promise((resolve) => setTimeout(resolve, 100));
  return work;
}

/**
 * Stored answers the projector has not taken in yet (their own inbox items still wait), and an open batch. Unlike
 * `workInFlight` it ignores the items of requests that died before storing their answer: they wait to be dropped.
 */
export async function answersNotProjected(models: Models): Promise<number> {
  await allProjectorsSettled();
  const waiting = await notTakenIn(models.Response.db);
  const responses = models.Response.collection as unknown as Collection<ResponseDoc>;
  let count = 0;
  for await (const r of responses.find({ intake: { $exists: true } }, { projection: { intake: 1 } })) if (waiting(r)) count += 1;
  return count + ((await readState(models.Response.db)).open ? 1 : 0);
}
