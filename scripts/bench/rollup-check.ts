import mongoose from 'mongoose';
import type { Models } from '../../src/models';
import { unpackFigures } from '../../src/figures/figure.model';
import { rebuildRollups } from '../../src/figures/rebuild';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { inboxCollection } from '../../src/projector/inbox';
import { readState } from '../../src/projector/projector-state';

/** Rebuilt vs incremental figure documents, with the size of the gap in respondents (counted responses vs the province's documents). */
export interface RollupCheck {
  /** rebuildRollups(models, scaleOf, { fix: false }).differences.length */
  differences: number;
  figures: number;
  countedResponses: number;
  rolledUpRespondents: number;
  /** projector inbox items (and an open batch) when the check began, and left after waiting for them */
  marksAtStart: number;
  marksLeft: number;
  /** how long the check waited for the projector to take them in */
  waitedMs: number;
}

/**
 * Waits (at most `settleMs`) until the projector has taken in every stored answer (its inbox empty, no batch open).
 * Then compares the figure documents with a rebuild from the responses.
 */
export async function checkRollups(models: Models, settleMs = 120_000): Promise<RollupCheck> {
  const started = Date.now();
  const marks = async () => (await inboxCollection(models.Response.db).countDocuments()) + ((await readState(models.Response.db)).open ? 1 : 0);
  const marksAtStart = await marks();
  let marksLeft = marksAtStart;
  while (marksLeft > 0 && Date.now() - started < settleMs) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    marksLeft = await marks();
  }
  const waitedMs = Date.now() - started;
  const catalog = new SurveyCatalog(models.Survey);
  const scaleOf = async (key: string, version: number) => (await catalog.getVersion(key, version))?.definition.scale ?? 5;
  const report = await rebuildRollups(models, scaleOf, { fix: false });
  // Every counted answer is in the documents of the top of the tree (units without a parent), once.
  const roots = new Set((await models.Unit.find({ parentCode: mongoose.trusted({ $in: [null, ''] }) }, { code: 1 }).lean()).map((u) => u.code));
  const stored = await models.Figure.find({}, { scope: 1, data: 1 }).lean();
  return {
    differences: report.differences.length,
    figures: report.figures,
    countedResponses: report.responses,
    rolledUpRespondents: stored.filter((doc) => roots.has(doc.scope)).reduce((sum, doc) => sum + unpackFigures(doc).respondents, 0),
    marksAtStart,
    marksLeft,
    waitedMs,
  };
}

/** `npm run rollups:rebuild` in-process: rewrites the differing rollups from the responses. */
export async function repairRollups(models: Models): Promise<void> {
  const catalog = new SurveyCatalog(models.Survey);
  await rebuildRollups(models, async (key, version) => (await catalog.getVersion(key, version))?.definition.scale ?? 5, { fix: true });
}
