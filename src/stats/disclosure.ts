import { fieldKey, fromFieldKey } from '../figures/counters';
import type { FigureData } from '../figures/figure.model';
import type { Unit } from '../units/unit.model';
import type { ScoreCounts } from './formulas';

/**
 * Which sets of answers may show how many were satisfied: the rule that keeps a hidden cell from coming back by
 * subtraction (issue #25 item 6; docs/reliability.md, "Small cells and subtraction").
 *
 * The rule: a figure shows `satisfied` (and its share, interval, mean and status) only for a set of answers that is
 * a union of whole ATOMS, and every atom holds at least k answers. Whatever a caller subtracts, adds or intersects,
 * sets built from published sets are unions of atoms too, so no count below k can be derived from them: the finest
 * thing anyone can isolate is one atom.
 *
 * The atoms are fixed by the data alone, never by the request: they are built per month over the whole tree (today's
 * tree, from the root's figure document, whose `units` map counts the overall question of every unit's own answers),
 * so every request, scope, instance and e-mail agrees on them.
 * - A unit's RESIDUE is its own answers plus the residues its unpublished children passed up.
 * - A residue of 0 or at least k answers is an atom, and the unit is PUBLISHED: its subtree is a union of atoms.
 * - A residue of 1..k-1 answers passes up to the parent, and the unit is not published.
 * - At the root, a residue of 1..k-1 takes in whole atoms, those held nearest the root first, then the smallest,
 *   until it reaches k (the unit that held one, and the units between it and the root, are then not published; the
 *   rest of their subtrees still is). Only if none is left is the root not published.
 * Then, for a scope and a range of months:
 * - the scope (its headline, its months, its questions) is published in a month when the unit is;
 * - a range is published when every month of it is: a small month never enters a published sum;
 * - a school level's part of the scope, a district's part, a unit's own answers: when every atom with answers in it
 *   lies wholly inside it;
 * - "as the tree was then": a month whose figures differ from today's tree is not published.
 *
 * What this costs: a unit whose answers in a month stay below k after taking in its small children is not published
 * for that month, nor for any range across it. No answer is dropped: each counts in every published figure above it.
 */
export interface Publication {
  /** every month of the range is published for the scope: the headline, and the question breakdowns with it */
  scope: boolean;
  /** a month of the scope, or of its part at one school level */
  month(period: string, level?: string): boolean;
  /** the part of the scope at one school level over the range (a row of the level breakdown, or the level filter) */
  level(level: string): boolean;
  /** a unit's own answers over the range (a row of the unit breakdown) */
  unitRow(code: string): boolean;
  /** the part of the scope in one district */
  district(name: string): boolean;
  /**
   * The answers of the scope that rated a dossier, over the range (the satisfaction of rated dossiers): published
   * when the scope is and when, inside every atom of the scope, the rated answers and the others each number 0 or
   * at least k. Rated and unrated parts are then atoms too, so the TTHC headline minus the rated figure, or one
   * rated figure minus another, isolates no fewer than k answers. `n` is how many rated answers the atoms hold:
   * where it differs from the scope's own count (figure documents from before `ratedUnits`), nothing is published.
   */
  rated: { ok: boolean; n: number };
  /**
   * A question's breakdown over the range (and its section's, which sums it), of the scope or of its part at one
   * school level: published when the scope is, and when it is published by the same rule applied to the answers to
   * that question (questionAtoms). Blank answers can leave fewer than k answers to one question in an atom of k or
   * more, and subtracting two scopes' breakdowns would then isolate them. No question is published in a month
   * holding answers whose blanks are not known (stored before they were counted, until the one-time migration:
   * the month's `blanksKnown` is below its respondents).
   */
  question(key: string, level?: string): boolean;
  /**
   * Months whose questions could not be settled without the province's blanks (`blanks` not given for them): no
   * question is published until the caller reads them (figures/read-figures.ts, readBlanks) and asks again.
   */
  blanksNeeded: string[];
}

/** One month of the root's figures, today's tree, no level filter. */
export type RootMonth = Pick<FigureData, 'surveys' | 'units' | 'byLevel' | 'ratedUnits' | 'partialUnits' | 'blanksKnown'> & {
  period: string;
  respondents?: number;
};

const NO_LEVEL = 'none';

/** A unit code from a figure document's key (counters.ts escapes `%`, `$` and `.`; unit codes rarely hold any). */
const codeOf = (key: string) => (key.includes('%') ? fromFieldKey(key) : key);

/** Answers to the overall question in one `units` entry (a unit's counts per survey): scores 1..scale, as the figures count them. */
function overallN(perSurvey: Record<string, ScoreCounts> | undefined, surveys: RootMonth['surveys']): number {
  let n = 0;
  for (const survey in perSurvey) n += scoresN(perSurvey[survey], surveys?.[survey]?.scale);
  return n;
}

/** `s0` … `s10`: made once, not per count (a figures request adds up thousands). */
const SCORE_KEYS = Array.from({ length: 11 }, (_, score): `s${number}` => `s${score}`);

/** Answers counted by score, scores 1..scale (5 when the survey's scale is not recorded). */
function scoresN(counts: ScoreCounts | undefined, scale = 5): number {
  let n = 0;
  for (let score = 1; score <= scale; score++) {
    const key = SCORE_KEYS[score];
    if (key) n += counts?.[key] ?? 0;
  }
  return n;
}

/** Every school level a month's figures know (a unit with answers at several levels touches each). */
const allLevels = (data: RootMonth) => [...Object.keys(data.byLevel ?? {}), NO_LEVEL];

/** A unit's school level in a month: one level, or MIXED when its answers have more than one. */
const MIXED = '*';

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
    const units = data.byLevel[level]!.units;
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

/** Today's tree below the root, worked out once per request: every month's atoms walk it. */
export interface Tree {
  root: string;
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
  const below = [...units.keys()].filter((code) => code !== root && (units.get(code)!.ancestors ?? []).includes(root));
  const order = below.sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : a > b ? 1 : 0));
  return { root, parentOf, depth, order: [...order, root], known: new Set(order) };
}

/**
 * The atoms of one month: the unit holding the atom of each unit's own answers (null: no atom, the root's residue
 * stayed below k), and which units are not published (some answer below them is in an atom held above them).
 */
export function monthAtoms(
  own: ReadonlyMap<string, number>,
  tree: Tree,
  k: number,
): { unpublished: Set<string>; atomOf: Map<string, string | null>; residue: Map<string, number> } {
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
  if (rootResidue > 0 && rootResidue < k) {
    const lenders = [...holders].sort((a, b) => depth(a) - depth(b) || residue.get(a)! - residue.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    for (const lender of lenders) {
      if (rootResidue >= k) break;
      borrowed.add(lender);
      holders.delete(lender);
      rootResidue += residue.get(lender)!;
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

/**
 * The publication of a scope over some months, from the root's figure documents of those months (`rootMonths`,
 * today's tree, no level filter).
 */
export function publicationOf(input: {
  rootMonths: RootMonth[];
  periods: string[];
  scope: string;
  root: string;
  units: ReadonlyMap<string, Unit>;
  k: number;
  /** months whose figures differ from today's tree ("as the tree was then"): never published */
  differs?: (period: string) => boolean;
  /** the rating questions of each survey whose questions are broken down (survey key -> question keys) */
  questions?: ReadonlyMap<string, readonly string[]>;
  /** the province's blanks per unit and question, by month, where read (see `blanksNeeded`) */
  blanks?: ReadonlyMap<string, NonNullable<FigureData['blanks']>>;
  /** false: `question` is asked without a level only, and the levels a question's atoms cross are not worked out */
  questionLevels?: boolean;
}): Publication {
  const { scope, root, units, k } = input;
  const inScope = (code: string) => code === scope || scope === root || (units.get(code)?.ancestors ?? []).includes(scope);
  const tree = treeOf(units, root);
  const monthOk = new Map<string, boolean>();
  const no = { level: new Set<string>(), unit: new Set<string>(), district: new Set<string>() };
  const monthLevelNo = new Map<string, Set<string>>();
  const byPeriod = new Map(input.rootMonths.map((m) => [m.period, m]));
  const rated = { ok: true, n: 0 };
  const atomSplits = (n: number) => n === 0 || n >= k;
  const questionNo = new Map<string, Set<string>>();
  let noQuestions = false;
  let index: QuestionIndex | undefined;
  let nodes: TreeNodes | undefined;
  const blanksNeeded: string[] = [];
  for (const period of input.periods) {
    const data = byPeriod.get(period);
    if (!data) continue; // no answers anywhere: nothing to hide
    const { total, levels } = ownAnswers(data);
    const ratedOwn = (code: string) => overallN(data.ratedUnits?.[fieldKey(code)], data.surveys);
    const atoms = monthAtoms(total, tree, k);
    const differs = input.differs?.(period) ?? false;
    if (input.questions) {
      const perQuestion = questionAtoms({
        data,
        blanks: input.blanks?.get(period),
        tree,
        k,
        scope,
        inScope,
        levels,
        index: (index ??= questionIndex(input.questions)),
        atomOf: atoms.atomOf,
        nodes: (nodes ??= treeNodes(tree)),
        withLevels: input.questionLevels !== false,
      });
      if (perQuestion === 'unknown') noQuestions = true;
      else if (perQuestion === 'needs-blanks') {
        noQuestions = true;
        blanksNeeded.push(period);
      } else {
        for (const [question, where] of perQuestion) {
          const known = questionNo.get(question);
          if (known) for (const level of where) known.add(level);
          else questionNo.set(question, where);
        }
      }
    }
    monthOk.set(period, !differs && !atoms.unpublished.has(scope));
    if (!monthOk.get(period)) rated.ok = false;
    const levelNo = new Set<string>();
    monthLevelNo.set(period, levelNo);
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
      const sizeOfAtom = codes.reduce((n, code) => n + total.get(code)!, 0);
      rated.n += inside.reduce((n, code) => n + ratedOwn(code), 0);
      if (!whole || !atomSplits(ratedInAtom) || !atomSplits(sizeOfAtom - ratedInAtom)) rated.ok = false;
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
        if (!whole || atom !== code || atoms.residue.get(code) !== total.get(code)) no.unit.add(code);
        const level = levels.get(code) ?? NO_LEVEL;
        if (!whole || atomLevel === MIXED) {
          if (level === MIXED) for (const known of allLevels(data)) levelNo.add(known);
          else levelNo.add(level);
        }
        if (!whole || atomDistrict === MIXED) no.district.add(units.get(code)?.district ?? '');
      }
    }
  }
  for (const levelNo of monthLevelNo.values()) for (const level of levelNo) no.level.add(level);
  return {
    scope: input.periods.every((p) => monthOk.get(p) !== false),
    month: (period, level) => (level ? !monthLevelNo.get(period)?.has(level) : monthOk.get(period) !== false),
    level: (level) => !no.level.has(level),
    unitRow: (code) => !no.unit.has(code),
    district: (name) => !no.district.has(name),
    rated,
    blanksNeeded,
    question: (key, level) => !noQuestions && !questionNo.get(key)?.has(ALL) && !(level && questionNo.get(key)?.has(level)),
  };
}

/** In a set of levels a question is hidden at: every level (the scope itself). */
const ALL = '';

/** The questions broken down, numbered: what questionAtoms indexes its counts by (worked out once per request). */
interface QuestionIndex {
  keys: string[];
  /** a question's number by its field key (as figure documents write it) */
  byFieldKey: Map<string, number>;
  /** the numbers of the questions each survey asks, by the survey's field key */
  bySurvey: Map<string, number[]>;
  /** the surveys whose questions are broken down, by field key, and their numbers */
  surveys: string[];
  surveyNumber: Map<string, number>;
  /** each distinct set of surveys (by number) that ask a question: questions asked by the same surveys share one */
  askedBy: number[][];
}

function questionIndex(questions: ReadonlyMap<string, readonly string[]>): QuestionIndex {
  const keys = [...new Set([...questions.values()].flat())];
  const number = new Map(keys.map((key, i) => [key, i]));
  const surveys = [...questions.keys()].map(fieldKey);
  const surveyNumber = new Map(surveys.map((survey, i) => [survey, i]));
  return {
    keys,
    byFieldKey: new Map(keys.map((key, i) => [fieldKey(key), i])),
    bySurvey: new Map([...questions].map(([survey, asked]) => [fieldKey(survey), asked.map((key) => number.get(key)!)])),
    surveys,
    surveyNumber,
    askedBy: [
      ...new Map(
        keys.map((key) => {
          const asking = [...questions].filter(([, asked]) => asked.includes(key)).map(([survey]) => surveyNumber.get(fieldKey(survey))!);
          return [asking.sort((a, b) => a - b).join(' '), asking];
        }),
      ).values(),
    ],
  };
}

/**
 * The disclosure rule run once per question over a month: the atoms of the answers to that question (each unit's
 * own answers to it: its answers to the surveys that ask it, minus those that left it blank, `blanks` in the
 * figures). Returns, per question, where it is not published: ALL (the scope), or the school levels whose part of
 * the scope an atom crosses. Most questions need no atoms of their own: where every atom of the month holds 0 or
 * at least k answers to a question, its published sets are unions of those atoms, and it is published wherever
 * the scope is. Only the others are walked up the tree.
 */
function questionAtoms(input: {
  data: RootMonth;
  /** the month's blanks per unit and question (fan-out.ts, BLANKS), if read */
  blanks?: NonNullable<FigureData['blanks']>;
  tree: Tree;
  k: number;
  scope: string;
  inScope: (code: string) => boolean;
  levels: ReadonlyMap<string, string>;
  index: QuestionIndex;
  atomOf: ReadonlyMap<string, string | null>;
  nodes: TreeNodes;
  withLevels: boolean;
}): Map<string, Set<string>> | 'unknown' | 'needs-blanks' {
  const { data, index, k } = input;
  if ((data.blanksKnown ?? 0) < (data.respondents ?? 0)) return 'unknown';
  if (settledWithoutBlanks(input)) return new Map();
  const blanksOf = input.blanks;
  if (!blanksOf) return 'needs-blanks';
  // Each unit's answers to each question, and each atom's, in two flat arrays (a row of Q numbers per unit, per atom).
  const Q = index.keys.length;
  const codes = Object.keys(data.units);
  const perUnit = new Float64Array(codes.length * Q);
  const atomRow = new Map<string | null, number>();
  const unitAtom = new Int32Array(codes.length);
  codes.forEach((unit, u) => {
    const perSurvey = data.units[unit] ?? {};
    for (const survey in perSurvey) {
      const asked = index.bySurvey.get(survey);
      if (!asked) continue; // a survey whose questions are not broken down
      const n = scoresN(perSurvey[survey], data.surveys?.[survey]?.scale);
      for (const i of asked) perUnit[u * Q + i]! += n;
      // Few keys at any scale: walked as they are, rather than looked up once per question.
      const blanks = blanksOf[unit]?.[survey];
      for (const key in blanks) {
        const i = index.byFieldKey.get(key);
        if (i !== undefined) perUnit[u * Q + i]! -= blanks[key] ?? 0;
      }
    }
    const atom = input.atomOf.get(codeOf(unit)) ?? null;
    unitAtom[u] = atomRow.get(atom) ?? atomRow.set(atom, atomRow.size).get(atom)!;
  });
  const perAtom = new Float64Array(atomRow.size * Q);
  for (let u = 0; u < codes.length; u++) for (let i = 0; i < Q; i++) perAtom[unitAtom[u]! * Q + i]! += perUnit[u * Q + i]!;
  const nullAtom = atomRow.get(null);
  const no = new Map<string, Set<string>>();
  let walk: TreeWalk | undefined;
  for (let i = 0; i < Q; i++) {
    let splits = true;
    for (let a = 0; a < atomRow.size && splits; a++) {
      const n = perAtom[a * Q + i]!;
      if (a !== nullAtom && n > 0 && n < k) splits = false;
    }
    if (splits) continue;
    walk ??= new TreeWalk(codes.map(codeOf), input);
    const own = new Float64Array(codes.length);
    for (let u = 0; u < codes.length; u++) own[u] = Math.max(0, perUnit[u * Q + i]!);
    const hidden = walk.notPublishedAt(own);
    if (hidden.size) no.set(index.keys[i]!, hidden);
  }
  return no;
}

/**
 * The disclosure rule's walk (monthAtoms, then where it leaves the scope unpublished: notPublishedAt) over arrays,
 * for the many walks of one month's questions: the tree, the units and their levels are indexed once, and each
 * walk is a few passes over typed arrays. `test/unit/disclosure.test.ts` holds it equal to notPublishedAt.
 */
export class TreeWalk {
  private readonly codes: string[];
  private readonly parent: Int32Array;
  private readonly depth: Int32Array;
  private readonly root: number;
  private readonly scope: number;
  private readonly inScope: Uint8Array;
  private readonly level: string[];
  /** node of each unit of the month (the order given to the constructor) */
  private readonly nodeOf: Int32Array;

  constructor(
    units: readonly string[],
    private readonly input: {
      data: RootMonth;
      tree: Tree;
      k: number;
      scope: string;
      inScope: (code: string) => boolean;
      levels: ReadonlyMap<string, string>;
      /** whether to work out the levels whose part of the scope the atoms cross (only a level filter needs them) */
      withLevels?: boolean;
      nodes?: TreeNodes;
    },
  ) {
    const { tree } = input;
    // Nodes deepest first, the root last, as monthAtoms walks them; units the directory does not know sit under the root.
    const unknown = units.filter((code) => code !== tree.root && !tree.known.has(code)).sort();
    const base = input.nodes ?? treeNodes(tree);
    this.codes = unknown.length ? [...tree.order.slice(0, -1), ...unknown, tree.root] : tree.order;
    const at = unknown.length ? new Map(this.codes.map((code, i) => [code, i])) : base.at;
    this.root = this.codes.length - 1;
    // With units the directory does not know, they come between the known ones and the root, which moves.
    const extended = (known: (i: number) => number, unknownValue: number, rootValue: number) =>
      Int32Array.from(this.codes, (_, i) => (i === this.root ? rootValue : i < base.root ? known(i) : unknownValue));
    this.parent = unknown.length ? extended((i) => (base.parent[i] === base.root ? this.root : base.parent[i]!), this.root, -1) : base.parent;
    this.depth = unknown.length ? extended((i) => base.depth[i]!, 1, 0) : base.depth;
    this.scope = at.get(input.scope) ?? -1;
    this.inScope = Uint8Array.from(this.codes, (code) => (input.inScope(code) ? 1 : 0));
    this.level = input.withLevels === false ? [] : this.codes.map((code) => input.levels.get(code) ?? NO_LEVEL);
    this.nodeOf = Int32Array.from(units, (code) => at.get(code)!);
  }

  /** Where the scope is not published for these counts (per unit, in the constructor's order): ALL, or levels. */
  notPublishedAt(perUnit: Float64Array): Set<string> {
    const { k } = this.input;
    const n = this.codes.length;
    const own = new Float64Array(n);
    for (let u = 0; u < perUnit.length; u++) own[this.nodeOf[u]!]! += perUnit[u]!;
    const residue = Float64Array.from(own);
    const holder = new Uint8Array(n);
    for (let i = 0; i < this.root; i++) {
      const total = residue[i]!;
      if (total === 0) continue;
      if (total >= k) holder[i] = 1;
      else residue[this.parent[i]!]! += total;
    }
    // The root's residue below k takes in whole atoms, the nearest to the root first, then the smallest.
    const borrowed = new Uint8Array(n);
    let rootResidue = residue[this.root]!;
    if (rootResidue > 0 && rootResidue < k) {
      const lenders = [...holder.keys()].filter((i) => holder[i]);
      lenders.sort(
        (a, b) =>
          this.depth[a]! - this.depth[b]! || residue[a]! - residue[b]! || (this.codes[a]! < this.codes[b]! ? -1 : this.codes[a]! > this.codes[b]! ? 1 : 0),
      );
      for (const lender of lenders) {
        if (rootResidue >= k) break;
        borrowed[lender] = 1;
        holder[lender] = 0;
        rootResidue += residue[lender]!;
      }
    }
    const rootAtom = rootResidue === 0 || rootResidue >= k ? this.root : NONE;
    const atom = new Int32Array(n).fill(UNSET);
    const atomOf = (i: number): number => {
      if (atom[i] !== UNSET) return atom[i]!;
      const found = i === this.root || borrowed[i] ? rootAtom : holder[i] ? i : atomOf(this.parent[i]!);
      atom[i] = found;
      return found;
    };
    // Every node between a unit with answers and its atom is not published (marked once: the rest of a marked
    // node's way up is marked already).
    const unpublished = new Uint8Array(n);
    const atomLevel = new Map<number, string>();
    const withLevels = this.input.withLevels !== false;
    for (let i = 0; i < n; i++) {
      if (own[i] === 0) continue;
      const held = atomOf(i);
      if (withLevels) {
        const known = atomLevel.get(held);
        atomLevel.set(held, known === undefined || known === this.level[i] ? this.level[i]! : MIXED);
      }
      for (let at = i; at !== held && !unpublished[at]; at = this.parent[at]!) {
        unpublished[at] = 1;
        if (at === this.root) break;
      }
    }
    const hidden = new Set<string>();
    if (this.scope >= 0 && unpublished[this.scope]) hidden.add(ALL);
    if (!withLevels) return hidden;
    for (let i = 0; i < n; i++) {
      if (own[i] === 0 || !this.inScope[i] || atomLevel.get(atomOf(i)) !== MIXED) continue;
      if (this.level[i] === MIXED) for (const known of allLevels(this.input.data)) hidden.add(known);
      else hidden.add(this.level[i]!);
    }
    return hidden;
  }
}

const UNSET = -2;
const NONE = -1;

/** The tree's nodes as arrays: made once per request (the walks of every month and question share them). */
export interface TreeNodes {
  at: Map<string, number>;
  parent: Int32Array;
  depth: Int32Array;
  root: number;
}

export function treeNodes(tree: Tree): TreeNodes {
  const at = new Map(tree.order.map((code, i) => [code, i]));
  const root = tree.order.length - 1;
  return {
    at,
    root,
    parent: Int32Array.from(tree.order, (code, i) => (i === root ? -1 : at.get(tree.parentOf(code))!)),
    depth: Int32Array.from(tree.order, (code, i) => (i === root ? 0 : tree.depth(code))),
  };
}

/**
 * Whether every atom of the month keeps 0 or at least k answers to every question whatever its blanks: an atom's
 * answers to the surveys that ask a question, less all its answers that left anything blank, are k or more (or it
 * was asked nothing). Counted per set of surveys asking (a handful), not per question. At scale this is the usual
 * case, and the blanks are not read.
 */
function settledWithoutBlanks(input: { data: RootMonth; k: number; index: QuestionIndex; atomOf: ReadonlyMap<string, string | null> }): boolean {
  const { data, k, index } = input;
  const S = index.surveys.length;
  const rowOf = new Map<string, number>();
  const partial: number[] = [];
  const answers: number[] = [];
  for (const unit in data.units) {
    const atom = input.atomOf.get(codeOf(unit));
    if (atom === null || atom === undefined) continue; // answers in no atom are published nowhere
    let row = rowOf.get(atom);
    if (row === undefined) {
      rowOf.set(atom, (row = partial.length));
      partial.push(0);
      for (let i = 0; i < S; i++) answers.push(0);
    }
    partial[row]! += data.partialUnits?.[unit] ?? 0;
    const perSurvey = data.units[unit] ?? {};
    for (const survey in perSurvey) {
      const number = index.surveyNumber.get(survey);
      if (number !== undefined) answers[row * S + number]! += scoresN(perSurvey[survey], data.surveys?.[survey]?.scale);
    }
  }
  for (let row = 0; row < partial.length; row++) {
    for (const surveys of index.askedBy) {
      let asked = 0;
      for (const number of surveys) asked += answers[row * S + number]!;
      if (asked > 0 && asked - partial[row]! < k) return false;
    }
  }
  return true;
}

/** Where a set of units' own counts does not publish the scope: ALL, or the levels its atoms cross (publicationOf). */
export function notPublishedAt(
  own: ReadonlyMap<string, number>,
  input: { data: RootMonth; tree: Tree; k: number; scope: string; inScope: (code: string) => boolean; levels: ReadonlyMap<string, string> },
): Set<string> {
  const atoms = monthAtoms(own, input.tree, input.k);
  const hidden = new Set<string>();
  if (atoms.unpublished.has(input.scope)) hidden.add(ALL);
  const atomLevels = new Map<string | null, string>();
  for (const code of own.keys()) {
    const atom = atoms.atomOf.get(code) ?? null;
    const level = input.levels.get(code) ?? NO_LEVEL;
    const known = atomLevels.get(atom);
    atomLevels.set(atom, known === undefined || known === level ? level : MIXED);
  }
  for (const code of own.keys()) {
    if (!input.inScope(code) || atomLevels.get(atoms.atomOf.get(code) ?? null) !== MIXED) continue;
    const level = input.levels.get(code) ?? NO_LEVEL;
    if (level === MIXED) for (const known of allLevels(input.data)) hidden.add(known);
    else hidden.add(level);
  }
  return hidden;
}
