import { fieldKey } from '../figures/counters';
import type { FigureData } from '../figures/figure.model';
import { allLevels, codeOf, MIXED, monthAtoms, NO_LEVEL, scoresN, type MonthWork, type RootMonth, type Tree } from './disclosure-months';

/**
 * The disclosure rule applied to each question's breakdown (disclosure.ts, `Publication.question`): blank answers
 * can leave fewer than k answers to one question inside an atom of k or more, so a question is published only
 * where the rule, run over the answers to that question, publishes it.
 */

/** In a set of levels a question is hidden at: every level (the scope itself). */
export const ALL = '';

/** The questions broken down, numbered: what questionAtoms indexes its counts by (worked out once per request). */
export interface QuestionIndex {
  /** the questions and the surveys asking them, as one string: the months' bounds are kept by it */
  signature: string;
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

export function questionIndex(questions: ReadonlyMap<string, readonly string[]>): QuestionIndex {
  const keys = [...new Set([...questions.values()].flat())];
  const number = new Map(keys.map((key, i) => [key, i]));
  const surveys = [...questions.keys()].map(fieldKey);
  const surveyNumber = new Map(surveys.map((survey, i) => [survey, i]));
  return {
    signature: JSON.stringify([...questions]),
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
export function questionAtoms(input: {
  month: MonthWork;
  /** the month's blanks per unit and question (fan-out.ts, BLANKS), if read */
  blanks?: NonNullable<FigureData['blanks']>;
  scope: string;
  inScope: (code: string) => boolean;
  index: QuestionIndex;
  withLevels: boolean;
}): Map<string, Set<string>> | 'unknown' | 'needs-blanks' {
  const { month, index } = input;
  const { data, k } = month;
  if ((data.blanksKnown ?? 0) < (data.respondents ?? 0)) return 'unknown';
  let settled = month.settled.get(index.signature);
  if (settled === undefined) month.settled.set(index.signature, (settled = settledWithoutBlanks({ data, k, index, atomOf: month.atoms.atomOf })));
  if (settled) return new Map();
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
    const atom = month.atoms.atomOf.get(codeOf(unit)) ?? null;
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
    walk ??= new TreeWalk(codes.map(codeOf), { ...input, data, tree: month.tree, k, levels: month.levels, nodes: treeNodes(month.tree) });
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

/** The tree's nodes as arrays: the walks of every month and question share them. */
export interface TreeNodes {
  at: Map<string, number>;
  parent: Int32Array;
  depth: Int32Array;
  root: number;
}

const nodesOf = new WeakMap<Tree, TreeNodes>();

/** The tree's nodes as arrays, kept with the tree (disclosure-months.ts, treeFor). */
export function treeNodes(tree: Tree): TreeNodes {
  let nodes = nodesOf.get(tree);
  if (!nodes) nodesOf.set(tree, (nodes = nodesOfTree(tree)));
  return nodes;
}

function nodesOfTree(tree: Tree): TreeNodes {
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
