import type { FigureData } from '../figures/figure.model';
import type { Unit } from '../units/unit.model';
import { monthVerdict, monthWork, treeFor, type RootMonth } from './disclosure-months';
import { ALL, questionAtoms, questionIndex, type QuestionIndex } from './question-disclosure';

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

export type { RootMonth } from './disclosure-months';

/**
 * The publication of a scope over some months, from the root's figure documents of those months (`rootMonths`,
 * today's tree, no level filter). Each month's part is worked out once per month, tree and k
 * (disclosure-months.ts); what is left per request is joining the months and the questions.
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
  const tree = treeFor(units, root);
  const monthOk = new Map<string, boolean>();
  const no = { level: new Set<string>(), unit: new Set<string>(), district: new Set<string>() };
  const monthLevelNo = new Map<string, ReadonlySet<string>>();
  const byPeriod = new Map(input.rootMonths.map((m) => [m.period, m]));
  const rated = { ok: true, n: 0 };
  const questionNo = new Map<string, Set<string>>();
  let noQuestions = false;
  let index: QuestionIndex | undefined;
  const blanksNeeded: string[] = [];
  for (const period of input.periods) {
    const data = byPeriod.get(period);
    if (!data) continue; // no answers anywhere: nothing to hide
    const month = monthWork(data, tree, k);
    const verdict = monthVerdict(month, scope, input.differs?.(period) ?? false);
    if (input.questions) {
      const perQuestion = questionAtoms({
        month,
        blanks: input.blanks?.get(period),
        scope,
        inScope,
        index: (index ??= questionIndex(input.questions)),
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
          else questionNo.set(question, new Set(where));
        }
      }
    }
    monthOk.set(period, verdict.scope);
    monthLevelNo.set(period, verdict.levels);
    rated.n += verdict.rated.n;
    if (!verdict.rated.ok) rated.ok = false;
    for (const level of verdict.levels) no.level.add(level);
    for (const code of verdict.units) no.unit.add(code);
    for (const name of verdict.districts) no.district.add(name);
  }
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
