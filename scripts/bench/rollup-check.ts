import type { Models } from '../../src/models';
import { rebuildRollups } from '../../src/responses/rollup-rebuild';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';

/** Rebuilt vs incremental rollups, with the size of the gap in respondents (counted responses vs Σ respondents). */
export interface RollupCheck {
  /** rebuildRollups(models, scaleOf, { fix: false }).differences.length */
  differences: number;
  rollups: number;
  countedResponses: number;
  rolledUpRespondents: number;
}

export async function checkRollups(models: Models): Promise<RollupCheck> {
  const catalog = new SurveyCatalog(models.Survey);
  const scaleOf = async (key: string, version: number) => (await catalog.getVersion(key, version))?.definition.scale ?? 5;
  const report = await rebuildRollups(models, scaleOf, { fix: false });
  const stored = await models.Rollup.find({}, { respondents: 1 }).lean();
  return {
    differences: report.differences.length,
    rollups: report.rollups,
    countedResponses: report.responses,
    rolledUpRespondents: stored.reduce((sum, r) => sum + (r.respondents ?? 0), 0),
  };
}

/** `npm run rollups:rebuild` in-process: rewrites the differing rollups from the responses. */
export async function repairRollups(models: Models): Promise<void> {
  const catalog = new SurveyCatalog(models.Survey);
  await rebuildRollups(models, async (key, version) => (await catalog.getVersion(key, version))?.definition.scale ?? 5, { fix: true });
}
