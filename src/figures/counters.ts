import type { ResponseDoc } from '../responses/response.model';

/**
 * The counter conversions of the figures, in one place. A counted answer's own counts are one `respondents` and
 * one `items.<question>.s<score>` per rating (leafIncrement: the leaf of the tree of counts, per period, survey
 * and unit); the figure documents of its unit and of every scope above it get them regrouped (figureIncrement).
 * Counters travel as flat `$inc` paths.
 */
export type Increment = Record<string, number>;

/** Counts of answers by score: s1 … s5 (s1 … s3 on the 3-level quick rating). */
export type ScoreCounts = Partial<Record<`s${number}`, number>>;

/**
 * The leaf `$inc` of one answer (sign -1 takes it out again): its scores; and, when its blank questions are known
 * (`skipped`, absent on answers stored before it), `blanksKnown`, `partial` if it left any blank, and a
 * `blank.<question>` for each rating question it left blank, which the figures keep per unit (figureIncrement). A month whose `blanksKnown` falls short of its
 * respondents holds answers whose blanks nobody knows (stats/disclosure.ts).
 */
export function leafIncrement(response: Pick<ResponseDoc, 'answers' | 'skipped' | 'arrivedAt'>, sign: 1 | -1 = 1): Increment {
  const inc: Increment = { respondents: sign };
  // Sent late (a kiosk rating queued offline): counted in the month it was given, and said so.
  if (response.arrivedAt) inc.late = sign;
  for (const [key, score] of Object.entries(response.answers)) inc[`items.${key}.s${score}`] = sign;
  if (response.skipped) {
    inc.blanksKnown = sign;
    if (response.skipped.length) inc.partial = sign;
    for (const key of response.skipped) inc[`blank.${fieldKey(key)}`] = sign;
  }
  return inc;
}

/** Adds `inc` into `into`, path by path. */
export function addIncrements(into: Increment, inc: Increment): Increment {
  for (const [path, value] of Object.entries(inc)) into[path] = (into[path] ?? 0) + value;
  return into;
}

/**
 * A leaf rollup stored by an earlier version, as flat counters (zeros dropped): the shape leafIncrement sums to.
 * Those versions did not keep which questions were left blank: no `blanksKnown` (see leafIncrement).
 */
export function leafCounters(doc: { respondents?: number; items?: Record<string, Record<string, number> | undefined> }): Increment {
  const out: Increment = {};
  if (doc.respondents) out.respondents = doc.respondents;
  for (const [item, counts] of Object.entries(doc.items ?? {})) {
    for (const [score, count] of Object.entries(counts ?? {})) if (count) out[`items.${item}.${score}`] = count;
  }
  return out;
}

/** Flat counters back into nested documents: `a.b.c: 1` becomes `{a: {b: {c: 1}}}`. */
export function nest(flat: Increment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }
  return out;
}

/** Nested counters of a stored document as flat paths (zeros dropped); `skip` names top-level keys to leave out. */
export function flatten(doc: object, skip: ReadonlySet<string> = new Set(), prefix = ''): Increment {
  const out: Increment = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!prefix && skip.has(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'number') {
      if (value) out[path] = value;
    } else if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date))
      Object.assign(out, flatten(value as Record<string, unknown>, skip, path));
  }
  return out;
}

export const sameCounters = (a: Increment, b: Increment): boolean => {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if ((a[key] ?? 0) !== (b[key] ?? 0)) return false;
  return true;
};

/** A value as a field name: no `.` or `$` may appear in a key (MongoDB and FerretDB both refuse them). */
export const fieldKey = (value: string) => value.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24');
// Most keys hold no escape: checked first, since a figures request turns thousands of keys back (three regular
// expressions each were 5% of its CPU at 1M answers).
export const fromFieldKey = (key: string) => (key.includes('%') ? key.replace(/%24/g, '$').replace(/%2E/g, '.').replace(/%25/g, '%') : key);

/** Where a leaf sits: what its counts are regrouped by in the figure documents above it. */
export interface LeafPlace {
  surveyKey: string;
  unitCode: string;
  level?: string;
  district?: string;
  /** the answer rated a TTHC dossier (named its code): its overall answer is counted again under `dossiers` */
  ratedDossier?: boolean;
}

/**
 * A leaf's counters regrouped for a figure document: items per survey (the question and section breakdowns),
 * the overall question per unit, per school level and per district (those breakdowns), blank questions per unit,
 * and respondents.
 */
export function figureIncrement(leaf: Increment, place: LeafPlace): Increment {
  const survey = fieldKey(place.surveyKey);
  const out: Increment = {};
  for (const [path, value] of Object.entries(leaf)) {
    if (path === 'respondents' || path === 'blanksKnown' || path === 'late') {
      out[path] = (out[path] ?? 0) + value;
      continue;
    }
    if (path.startsWith('blank.')) {
      // Per unit: how many of a unit's own answers left each question blank, so the disclosure rule knows how many
      // answered it inside each atom (stats/disclosure.ts).
      out[`blanks.${fieldKey(place.unitCode)}.${survey}.${path.slice('blank.'.length)}`] = value;
      continue;
    }
    if (path === 'partial') {
      // Per unit: how many answers left anything blank, a bound on the blanks of any one question.
      out[`partialUnits.${fieldKey(place.unitCode)}`] = value;
      continue;
    }
    const [, item, score] = path.split('.') as [string, string, string];
    out[`surveys.${survey}.items.${item}.${score}`] = value;
    if (item !== 'overall') continue;
    out[`units.${fieldKey(place.unitCode)}.${survey}.${score}`] = value;
    out[`levels.${place.level ?? 'none'}.${survey}.${score}`] = value;
    if (place.district) out[`districts.${fieldKey(place.district)}.${survey}.${score}`] = value;
    if (place.ratedDossier) {
      out[`dossiers.${survey}.${score}`] = value;
      // Per unit as well: the rated answers of each atom (stats/disclosure.ts), so the rated figure and the TTHC
      // headline never differ by fewer than k answers.
      out[`ratedUnits.${fieldKey(place.unitCode)}.${survey}.${score}`] = value;
    }
  }
  return out;
}

/** Applies `$inc`-style paths and `$set`-style paths to a nested object in memory (a packed figure document). */
export function applyPaths(into: object, inc: Increment, set: Record<string, unknown> = {}): void {
  const at = (path: string) => {
    const parts = path.split('.');
    let node = into as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    return { node, key: parts.at(-1)! };
  };
  for (const [path, value] of Object.entries(inc)) {
    const { node, key } = at(path);
    node[key] = ((node[key] as number | undefined) ?? 0) + value;
  }
  for (const [path, value] of Object.entries(set)) {
    const { node, key } = at(path);
    node[key] = value;
  }
}
