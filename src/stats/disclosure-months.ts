import { fieldKey, fromFieldKey } from '../figures/counters';
import type { FigureData } from '../figures/figure.model';
import type { Unit } from '../units/unit.model';
import type { ScoreCounts } from './formulas';

/**
 * The disclosure rule's work on one month (disclosure.ts explains the rule): each unit's own answers, the month's
 * atoms, and what they leave unpublished of one scope.
 *
 * A month's work depends only on its figures, today's tree and k, so it is kept with the month: a month read again
 * unchanged is the same frozen object (figures/decoded-figures.ts), and the units directory is the same map while
 * no unit changes (units/unit-directory.ts). Held in WeakMaps keyed by those objects, it lives exactly as long as
 * they do and is never used for a changed month or tree: at 1M answers this was a fifth of a figures request's CPU,
 * repeated for 11 unchanged months out of 12 (docs/benchmarks.md, B3).
 */

/** One month of the root's figures, today's tree, no level filter. */
export type RootMonth = Pick<FigureData, 'surveys' | 'units' | 'byLevel' | 'ratedUnits' | 'partialUnits' | 'blanksKnown'> & {
  period: string;
  respondents?: number;
};

export const NO_LEVEL = 'none';

/** A unit's school level in a month: one level, or MIXED when its answers have more than one. */
export const MIXED = '*';

/** A unit code from a figure document's key (counters.ts escapes `%`, `$` and `.`; unit codes rarely hold any). */
export const codeOf = fromFieldKey;

/** Answers to the overall question in one `units` entry (a unit's counts per survey): scores 1..scale, as the figures count them. */
export function overallN(perSurvey: Record<string, ScoreCounts> | undefined, surveys: RootMonth['surveys']): number {
  let n = 0;
  for (const survey in perSurvey) n += scoresN(perSurvey[survey], surveys?.[survey]?.scale);
  return n;
}

/** `s0` … `s10`: made once, not per count (a figures request adds up thousands). */
const SCORE_KEYS = Array.from({ length: 11 }, (_, score): `s${number}` => `s${score}`);

/** Answers counted by score, scores 1..scale (5 when the survey's scale is not recorded). */
export function scoresN(counts: ScoreCounts | undefined, scale = 5): number {
  let n = 0;
  for (let score = 1; score <= scale; score++) {
    const key = SCORE_KEYS[score];
    if (key) n += counts?.[key] ?? 0;
  }
  return n;
}

/** Every school level a month's figures know (a unit with answers at several levels touches each). */
export const allLevels = (data: RootMonth) => [...Object.keys(data.byLevel ?? {}), NO_LEVEL];

/** Each unit's own answers in a month, and its school level (`none`: answers without a level). */
function ownAnswers(data: RootMonth): { total: Map<string, number>; levels: Map<string, string> } {
  const total = new Map<string, number>();
  // Keys of the figure documents are field keys (counters.ts); the directory's are unit codes.
  for (const unit in data.units) {
    const n = overallN(data.units[unit], data.surveys);
    if (n > 0) total.set(codeOf(unit), n);
  }
  const levels = new Map<string, string>();
  const leveled = new Map<string, number>();
  const addLevel = (unit: string, level: string) => {
    const known = levels.get(unit);
    levels.set(unit, known === undefined || known === level ? level : MIXED);
  };
  for (const level in data.byLevel) {
    const units = data.byLevel[level]?.units;
    for (const key in units) {
      const n = overallN(units[key], data.surveys);
      if (n <= 0) continue;
      const unit = codeOf(key);
      addLevel(unit, level);
      leveled.set(unit, (leveled.get(unit) ?? 0) + n);
    }
  }
  for (const [unit, n] of total) if (n > (leveled.get(unit) ?? 0)) addLevel(unit, NO_LEVEL);
  return { total, levels };
}

/** Today's tree below the root, worked out once per directory and root: every month's atoms walk it. */
export interface Tree {
  root: string;
  /** the directory the tree was worked out from */
  units: ReadonlyMap<string, Unit>;
  parentOf(code: string): string;
  depth(code: string): number;
  /** every unit of the directory under the root, deepest first (ties by code), the root last */
  order: string[];
  known: ReadonlySet<string>;
}

export function treeOf(units: ReadonlyMap<string, Unit>, root: string): Tree {
  // A unit the directory does not place under the root is the root's own (its answers join the root's residue: safe).
  const parents = new Map<string, string>();
  const parentOf = (code: string): string => {
    let parent = parents.get(code);
    if (parent === undefined) {
      const unit = units.get(code);
      parent = code !== root && unit?.parentCode && (unit.ancestors ?? []).includes(root) && unit.parentCode !== code ? unit.parentCode : root;
      parents.set(code, parent);
    }
    return parent;
  };
  const depths = new Map<string, number>([[root, 0]]);
  const depth = (code: string): number => {
    const known = depths.get(code);
    if (known !== undefined) return known;
    const d = depth(parentOf(code)) + 1;
    depths.set(code, d);
    return d;
  };
  const below = [...units.keys()].filter((code) => code !== root && (units.get(code)?.ancestors ?? []).includes(root));
  const order = below.sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : a > b ? 1 : 0));
  return { root, units, parentOf, depth, order: [...order, root], known: new Set(order) };
}

const trees = new WeakMap<ReadonlyMap<string, Unit>, Map<string, Tree>>();

/** treeOf, kept with the directory map it was worked out from (a directory is not changed once read). */
export function treeFor(units: ReadonlyMap<string, Unit>, root: string): Tree {
  let byRoot = trees.get(units);
  if (!byRoot) trees.set(units, (byRoot = new Map<string, Tree>()));
  let tree = byRoot.get(root);
  if (!tree) byRoot.set(root, (tree = treeOf(units, root)));
  return tree;
}

export interface Atoms {
  /** units not published: some answer below them is in an atom held above them */
  unpublished: Set<string>;
  /** the unit holding the atom of each unit's own answers (null: no atom, the root's residue stayed below k) */
  atomOf: Map<string, string | null>;
  residue: Map<string, number>;
}

/** The atoms of one month. */
export function monthAtoms(own: ReadonlyMap<string, number>, tree: Tree, k: number): Atoms {
  const { root } = tree;
  const parentOf = (code: string) => tree.parentOf(code);
  const depth = (code: string) => tree.depth(code);
  // Units with answers that the directory does not know sit right under the root.
  const unknown = [...own.keys()].filter((code) => code !== root && !tree.known.has(code)).sort();
  const residue = new Map<string, number>();
  const holders = new Set<string>();
  for (const code of [...tree.order.slice(0, -1), ...unknown]) {
    const total = (own.get(code) ?? 0) + (residue.get(code) ?? 0);
    if (total === 0) continue;
    residue.set(code, total);
    if (total >= k) holders.add(code);
    else {
      const parent = parentOf(code);
      residue.set(parent, (residue.get(parent) ?? 0) + total);
    }
  }
  // The root's residue below k takes in whole atoms, the nearest to the root first, then the smallest.
  const borrowed = new Set<string>();
  let rootResidue = (own.get(root) ?? 0) + (residue.get(root) ?? 0);
  const residueOf = (code: string) => residue.get(code) ?? 0;
  if (rootResidue > 0 && rootResidue < k) {
    const lenders = [...holders].sort((a, b) => depth(a) - depth(b) || residueOf(a) - residueOf(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const lender of lenders) {
      if (rootResidue >= k) break;
      borrowed.add(lender);
      holders.delete(lender);
      rootResidue += residueOf(lender);
    }
  }
  residue.set(root, rootResidue);
  const rootAtom = rootResidue === 0 || rootResidue >= k ? root : null;
  const atomOf = new Map<string, string | null>();
  // A unit's answers stay in its own residue if it holds an atom, else in its parent's (or the root's, if lent).
  const resolve = (code: string): string | null => {
    const known = atomOf.get(code);
    if (known !== undefined) return known;
    const atom = code === root || borrowed.has(code) ? rootAtom : holders.has(code) ? code : resolve(parentOf(code));
    atomOf.set(code, atom);
    return atom;
  };
  const unpublished = new Set<string>();
  for (const code of own.keys()) {
    const atom = resolve(code);
    for (let at = code; at !== atom; at = parentOf(at)) {
      unpublished.add(at);
      if (at === root) break;
    }
  }
  return { unpublished, atomOf, residue };
}

/** What a month's atoms leave unpublished of one scope (publicationOf joins the months). */
export interface MonthVerdict {
  /** the scope, its headline and its month */
  scope: boolean;
  /** school levels whose part of the scope is not published */
  levels: Set<string>;
  /** units whose own answers are not published */
  units: Set<string>;
  /** districts whose part of the scope is not published */
  districts: Set<string>;
  /** the answers that rated a dossier: whether rated and unrated parts are whole atoms, and how many rated */
  rated: { ok: boolean; n: number };
}

/** A month's own answers and atoms under one tree and k, and the verdicts worked out from them so far. */
export interface MonthWork {
  data: RootMonth;
  tree: Tree;
  k: number;
  total: Map<string, number>;
  levels: Map<string, string>;
  atoms: Atoms;
  verdicts: Map<string, MonthVerdict>;
  /** the question rule's bound, by the set of questions asked (question-disclosure.ts, settledWithoutBlanks) */
  settled: Map<string, boolean>;
}

const work = new WeakMap<RootMonth, WeakMap<Tree, Map<number, MonthWork>>>();

/** The month's work under this tree and k: worked out once per (month, tree, k), kept while the month is. */
export function monthWork(data: RootMonth, tree: Tree, k: number): MonthWork {
  let byTree = work.get(data);
  if (!byTree) work.set(data, (byTree = new WeakMap()));
  let byK = byTree.get(tree);
  if (!byK) byTree.set(tree, (byK = new Map<number, MonthWork>()));
  let found = byK.get(k);
  if (!found) {
    const { total, levels } = ownAnswers(data);
    found = { data, tree, k, total, levels, atoms: monthAtoms(total, tree, k), verdicts: new Map(), settled: new Map() };
    byK.set(k, found);
  }
  return found;
}

/**
 * What the month leaves unpublished of a scope: the scope when an atom below it is held above it; a school level's,
 * a district's part or a unit's own answers when an atom with answers in it reaches outside it. `differs`: the
 * month's figures differ from today's tree, and nothing of it is published.
 */
export function monthVerdict(month: MonthWork, scope: string, differs: boolean): MonthVerdict {
  const key = `${differs ? '1' : '0'}${scope}`;
  const known = month.verdicts.get(key);
  if (known) return known;
  const { data, total, levels, atoms, k, tree } = month;
  const { root, units } = tree;
  const inScope = (code: string) => code === scope || scope === root || (units.get(code)?.ancestors ?? []).includes(scope);
  const atomSplits = (n: number) => n === 0 || n >= k;
  const ratedOwn = (code: string) => overallN(data.ratedUnits?.[fieldKey(code)], data.surveys);
  const verdict: MonthVerdict = {
    scope: !differs && !atoms.unpublished.has(scope),
    levels: new Set(),
    units: new Set(),
    districts: new Set(),
    rated: { ok: true, n: 0 },
  };
  verdict.rated.ok = verdict.scope;
  // What each atom holds within the scope, and whether it lies wholly inside it.
  const members = new Map<string | null, string[]>();
  for (const code of total.keys()) {
    const atom = atoms.atomOf.get(code) ?? null;
    const list = members.get(atom);
    if (list) list.push(code);
    else members.set(atom, [code]);
  }
  for (const [atom, codes] of members) {
    const inside = scope === root ? codes : codes.filter(inScope);
    if (!inside.length) continue;
    const whole = !differs && atom !== null && inside.length === codes.length;
    const ratedInAtom = codes.reduce((n, code) => n + ratedOwn(code), 0);
    const sizeOfAtom = codes.reduce((n, code) => n + (total.get(code) ?? 0), 0);
    verdict.rated.n += inside.reduce((n, code) => n + ratedOwn(code), 0);
    if (!whole || !atomSplits(ratedInAtom) || !atomSplits(sizeOfAtom - ratedInAtom)) verdict.rated.ok = false;
    // One level and one district for the whole atom, or none (MIXED).
    let atomLevel: string | undefined;
    let atomDistrict: string | undefined;
    for (const code of codes) {
      const level = levels.get(code) ?? NO_LEVEL;
      atomLevel = atomLevel === undefined || atomLevel === level ? level : MIXED;
      const district = units.get(code)?.district ?? '';
      atomDistrict = atomDistrict === undefined || atomDistrict === district ? district : MIXED;
    }
    for (const code of inside) {
      if (!whole || atom !== code || atoms.residue.get(code) !== total.get(code)) verdict.units.add(code);
      const level = levels.get(code) ?? NO_LEVEL;
      if (!whole || atomLevel === MIXED) {
        if (level === MIXED) for (const one of allLevels(data)) verdict.levels.add(one);
        else verdict.levels.add(level);
      }
      if (!whole || atomDistrict === MIXED) verdict.districts.add(units.get(code)?.district ?? '');
    }
  }
  month.verdicts.set(key, verdict);
  return verdict;
}
