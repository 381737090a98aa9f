import mongoose from 'mongoose';
import type { Models } from '../../src/models';
import { fieldKey } from '../../src/rollups/counters';
import { unpackFigures } from '../../src/rollups/figure.model';
import { allWriteBehindSettled } from '../../src/rollups/write-behind';

/**
 * Answers counted in the figures, read from the figure documents at the top of the tree (units without a parent:
 * each counted answer is in exactly one of them per month), for one survey or for all. First the figure writes of
 * answers already accepted by the apps in this process land (they finish after the request: write-behind.ts).
 */
export async function countedInFigures(models: Models, surveyKey?: string): Promise<number> {
  await allWriteBehindSettled();
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

/** Changes to the figures still marked in flight, once the apps in this process have finished theirs. */
export async function marksInFlight(models: Models): Promise<number> {
  await allWriteBehindSettled();
  return models.RollupJournal.countDocuments();
}
