import type { ResponseDoc } from '../responses/response.model';
import { rollupId } from '../responses/rollup.model';
import { addIncrements, fieldKey, figureIncrement, leafIncrement, type Increment } from './counters';
import { ALL_LEVELS, figureId } from './figure.model';

/** One document's share of a change: a `$inc`, fields to set, and what a new document starts with. */
export interface DocWrite {
  id: string;
  inc: Increment;
  set: Record<string, unknown>;
  setOnInsert: Record<string, unknown>;
}

export interface ChangeWrites {
  /** leaf rollups (period, survey, unit): the per-cell truth the rebuild compares */
  leaves: DocWrite[];
  /** figure documents: every scope from the unit up to the province, all levels and the answer's level */
  figures: DocWrite[];
}

/** The scopes an answer counts in: its unit and every unit above it, each for all levels and for its own level. */
export function figureIdsOf(response: Pick<ResponseDoc, 'period' | 'kind' | 'unitCode' | 'unitAncestors' | 'level'>): string[] {
  const levels = response.level ? [ALL_LEVELS, response.level] : [ALL_LEVELS];
  return [response.unitCode, ...response.unitAncestors].flatMap((scope) => levels.map((level) => figureId(response.period, response.kind, scope, level)));
}

function merge(into: Map<string, DocWrite>, write: DocWrite): void {
  const current = into.get(write.id);
  if (!current) into.set(write.id, { ...write, inc: { ...write.inc } });
  else addIncrements(current.inc, write.inc);
}

/**
 * Every document write of a change that adds (sign 1) or removes (-1) these answers, merged per document: a
 * cluster decided at once costs one write per document, not one per answer.
 */
export function changeWrites(responses: readonly ResponseDoc[], sign: 1 | -1, scale: number): ChangeWrites {
  const leaves = new Map<string, DocWrite>();
  const figures = new Map<string, DocWrite>();
  for (const response of responses) {
    const leaf = leafIncrement(response, sign);
    merge(leaves, {
      id: rollupId(response.period, response.surveyKey, response.unitCode),
      inc: leaf,
      set: {},
      setOnInsert: {
        period: response.period,
        surveyKey: response.surveyKey,
        kind: response.kind,
        channel: response.channel,
        scale,
        unitCode: response.unitCode,
        unitAncestors: response.unitAncestors,
        ...(response.level ? { level: response.level } : {}),
        ...(response.district ? { district: response.district } : {}),
      },
    });
    const inc = figureIncrement(leaf, response);
    const levels = response.level ? [ALL_LEVELS, response.level] : [ALL_LEVELS];
    for (const scope of [response.unitCode, ...response.unitAncestors]) {
      for (const level of levels) {
        merge(figures, {
          id: figureId(response.period, response.kind, scope, level),
          inc,
          set: { [`surveys.${fieldKey(response.surveyKey)}.scale`]: scale },
          setOnInsert: { period: response.period, kind: response.kind, scope, level },
        });
      }
    }
  }
  return { leaves: [...leaves.values()], figures: [...figures.values()] };
}
