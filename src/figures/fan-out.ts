import type { ResponseDoc } from '../responses/response.model';
import { addIncrements, fieldKey, figureIncrement, leafIncrement, type Increment } from './counters';
import { ALL_LEVELS, figureId } from './figure.model';

/** One document's share of a change: a `$inc`, fields to set, and what a new document starts with. */
export interface DocWrite {
  id: string;
  inc: Increment;
  set: Record<string, unknown>;
  setOnInsert: Record<string, unknown>;
}

const prefixed = (prefix: string, inc: Increment): Increment => Object.fromEntries(Object.entries(inc).map(([path, value]) => [prefix + path, value]));

const withoutDisclosureCounts = (inc: Increment): Increment =>
  Object.fromEntries(Object.entries(inc).filter(([path]) => !path.startsWith('partialUnits.') && path !== 'blanksKnown'));

/** Adds a write into the writes already gathered for its document (counts summed, set fields merged). */
export function mergeWrite(into: Map<string, DocWrite>, write: DocWrite): void {
  const current = into.get(write.id);
  if (!current) into.set(write.id, { ...write, inc: { ...write.inc }, set: { ...write.set } });
  else {
    addIncrements(current.inc, write.inc);
    Object.assign(current.set, write.set);
  }
}

/** Where a leaf's counts go up: its unit and every unit above it. */
export type LeafCell = Pick<ResponseDoc, 'period' | 'kind' | 'surveyKey' | 'unitCode' | 'unitAncestors' | 'level' | 'district' | 'ratedDossier'>;

/**
 * The figures "as the tree was then" are today's figures plus, per scope and month, a difference document (level
 * THEN_TREE): what the answers whose chain on their day differs from today's (`unitAncestorsThen`) add under the
 * old chain, minus what they add under today's. An answer whose unit never moved costs nothing here, so the
 * documents exist only for scopes a reorganisation touched, and new answers (whose chain today is their chain
 * then) never write them.
 */
export const THEN_TREE = 'then';

/**
 * A leaf's counters regrouped for the figure document of its unit and of every unit above it. Its school level
 * gets the same counts again under `byLevel.<level>`, for the level filter: inside the same packed document, so it
 * costs no extra write.
 */
export function figureWritesOf(leaf: Increment, cell: LeafCell, scale: number, tree: string = ALL_LEVELS): DocWrite[] {
  const { counts: all, blanks } = splitBlanks(figureIncrement(leaf, cell));
  const scalePath = `surveys.${fieldKey(cell.surveyKey)}.scale`;
  // What the disclosure rule reads of the root's documents only (stats/disclosure.ts) is not copied under the level.
  const inc = cell.level ? { ...all, ...prefixed(`byLevel.${cell.level}.`, withoutDisclosureCounts(all)) } : all;
  const set = { [scalePath]: scale, ...(cell.level ? { [`byLevel.${cell.level}.${scalePath}`]: scale } : {}) };
  const writes: DocWrite[] = [cell.unitCode, ...(cell.unitAncestors ?? [])].map((scope) => ({
    id: figureId(cell.period, cell.kind, scope, tree),
    inc,
    set,
    setOnInsert: { period: cell.period, kind: cell.kind, scope, level: tree },
  }));
  // Blanks per unit and question go to one document of the province's month, in today's tree only (the disclosure
  // rule's tree): kept apart, they cost a figures request nothing unless an atom needs them.
  if (tree === ALL_LEVELS && Object.keys(blanks).length) {
    const root = cell.unitAncestors?.[0] ?? cell.unitCode;
    writes.push({
      id: blanksId(cell.period, cell.kind, root),
      inc: blanks,
      set: {},
      setOnInsert: { period: cell.period, kind: cell.kind, scope: root, level: BLANKS },
    });
  }
  return writes;
}

/**
 * The level of the province's blanks document (`blanks.<unit>.<survey>.<question>`: how many of each unit's own
 * answers left a question blank), one per kind and month.
 */
export const BLANKS = 'blanks';
export const blanksId = (period: string, kind: string, root: string) => figureId(period, kind, root, BLANKS);

function splitBlanks(inc: Increment): { counts: Increment; blanks: Increment } {
  const counts: Increment = {};
  const blanks: Increment = {};
  for (const [path, value] of Object.entries(inc)) (path.startsWith('blanks.') ? blanks : counts)[path] = value;
  return { counts, blanks };
}

/**
 * Every figure document write of a change that adds (sign 1) or removes (-1) these answers, merged per document:
 * a cluster decided at once costs one write per document, not one per answer. Each answer's counts
 * (leafIncrement) go to the figure document of its unit and of every unit above it; they are the only stored
 * counters (the leaf rollups of earlier versions are no longer written: the unit's own figure document holds the
 * same counts, and every extra document written per answer is time the single writer of the database spends).
 */
export function changeWrites(responses: readonly ResponseDoc[], sign: 1 | -1, scale: number): DocWrite[] {
  const figures = new Map<string, DocWrite>();
  for (const response of responses) for (const write of cellWrites(response, leafIncrement(response, sign), scale)) mergeWrite(figures, write);
  // A scope in both chains nets to nothing in its difference document: not written.
  return [...figures.values()].filter((write) => Object.values(write.inc).some((n) => n !== 0));
}

/** Where a leaf's counts go, "as the tree was then" included (the chain on the answers' day, where it differs). */
export type FigureCell = LeafCell & Pick<ResponseDoc, 'unitAncestorsThen'>;

/** The figure writes of a leaf's counts (one answer's, or the sum of many in the same cell) in its cell. */
export function cellWrites(cell: FigureCell, leaf: Increment, scale: number): DocWrite[] {
  const writes = figureWritesOf(leaf, cell, scale);
  if (cell.unitAncestorsThen) {
    writes.push(...figureWritesOf(leaf, { ...cell, unitAncestors: cell.unitAncestorsThen }, scale, THEN_TREE));
    writes.push(...figureWritesOf(negate(leaf), cell, scale, THEN_TREE));
  }
  return writes;
}

const negate = (inc: Increment): Increment => Object.fromEntries(Object.entries(inc).map(([path, n]) => [path, -n]));

/** A cell's identity: answers with the same one add their leaf counts together before the fan-out. */
export const cellKey = (cell: FigureCell, scale: number) =>
  JSON.stringify([
    cell.period,
    cell.kind,
    cell.surveyKey,
    cell.unitCode,
    cell.unitAncestors,
    cell.unitAncestorsThen ?? null,
    cell.level ?? null,
    cell.district ?? null,
    cell.ratedDossier ?? false,
    scale,
  ]);
