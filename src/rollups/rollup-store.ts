import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { changeCountedMany, countNewAnswer, startAnswer, type AnswerChange, type CountedChange } from './counted-change';
import { readFigureDocs, readViews, type MonthFigures } from './read-figures';
import { rebuildRollups, type RebuildReport } from './rebuild';
import { repairChanges } from './repair';

/**
 * The figures' counters as one feature, built once per app (createApp, server.ts) from the models and the clock.
 * Everything else counts, decides and reads through this interface; how the counts are laid out (figure documents
 * per scope, change marks, idempotent compare-and-set) stays inside src/rollups/.
 */
export interface RollupStore {
  /** Stores a counted answer through `insert` and counts it, exactly once; false when `insert` found it stored. */
  countAnswer(response: ResponseDoc, scale: number, insert: (response: ResponseDoc) => Promise<boolean>): Promise<boolean>;
  /** The same in two steps: the change begins (its mark) while the caller still checks whether to count. */
  startAnswer(responseId: string, scale: number): AnswerChange;
  /** Includes or excludes stored answers (a review decision, a cluster); returns how many this call moved. */
  decide(responses: readonly Pick<ResponseDoc, '_id'>[], change: CountedChange, scale: number): Promise<number>;
  /** The figure documents of a scope (a unit and its subtree), kind and level over some months (this process's own answers in). */
  figures(query: { kind: string; scope: string; periods: string[]; level?: string }): Promise<MonthFigures[]>;
  /** Form views of a scope over some months. */
  views(scope: string, periods: string[]): Promise<number>;
  /** Finishes the changes cut off by a crash, older than `graceMs`. */
  repair(graceMs?: number): Promise<number>;
  /** Recounts everything from the raw answers; with `fix`, rewrites what differs. */
  rebuild(scaleOf: (key: string, version: number) => Promise<number>, options: { fix: boolean }): Promise<RebuildReport>;
}

export type RollupModels = Pick<Models, 'Response' | 'Figure' | 'RollupJournal' | 'ViewTotal'>;

export function createRollupStore(deps: { models: RollupModels; clock: () => Date }): RollupStore {
  const { models, clock } = deps;
  return {
    countAnswer: (response, scale, insert) => countNewAnswer(models, response, scale, clock(), insert),
    startAnswer: (responseId, scale) => startAnswer(models, responseId, scale, clock()),
    decide: (responses, change, scale) => changeCountedMany(models, responses, change, scale, clock()),
    figures: (query) => readFigureDocs(models.Figure, query),
    views: (scope, periods) => readViews(models.ViewTotal, scope, periods),
    repair: (graceMs) => repairChanges(models, clock(), graceMs),
    rebuild: (scaleOf, options) => rebuildRollups(models as Models, scaleOf, options),
  };
}
