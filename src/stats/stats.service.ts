import type { Models } from '../models';
import { periodRange } from '../responses/period';
import type { InstrumentDefinition, SchoolLevel, SurveyKind } from '../surveys/instrument.types';
import { ratingQuestions } from '../surveys/form-fields';
import type { Unit } from '../units/unit.model';
import { addCounts, HEADLINE_FORMULA, ITEM_FORMULA, share, statusOf, summarizeCounts, suppressed, wilson95, type ScoreCounts, type Status } from './formulas';
import { fromFieldKey } from '../figures/counters';
import type { MonthFigures, Tree } from '../figures/read-figures';
import type { Settles } from '../projector/ports';
import { readBlanks, readScopeAndRoot, readViews } from '../figures/read-figures';
import { publicationOf, type Publication } from './disclosure';
import { complementSuppress, hide, type Hideable } from './suppression';
import { targetFor, targetSourceFor, type Target } from './target.model';
import { unitsByCode } from '../units/unit-directory';
import { rechainProgress, type RechainProgress } from '../units/rechain-state';

export interface StatsQuery {
  kind: SurveyKind;
  /** The scope: this unit and its whole subtree. */
  unit: Unit;
  from: string;
  to: string;
  level?: SchoolLevel;
  /** Today's unit tree (the default) or the tree as it was on each answer's day (read-figures.ts). */
  tree?: Tree;
  /** Small-cell threshold (SMALL_CELL_K): every figure, the headline included, with 0 < n < k shows only n. */
  k: number;
  /** Minimum n for a status other than "insufficient". */
  minN: number;
}

/** A figure: n always; the rest null when the cell is hidden (suppression.ts). */
export type Cell = Hideable;

export interface Breakdown extends Cell {
  key: string;
  label: { vi: string; en: string };
}

export interface StatsResult {
  scope: { kind: SurveyKind; unit: { code: string; name: string; type: string }; from: string; to: string; level: SchoolLevel | null; tree: Tree };
  headline: {
    n: number;
    satisfied: number | null;
    share: number | null;
    ci95: [number, number] | null;
    mean: number | null;
    target: number | null;
    /** the decision or plan the target comes from (target.model.ts targetSourceFor) */
    targetSource: string | null;
    status: Status;
    suppressed: boolean;
  };
  byMonth: (Cell & { period: string; target: number | null; status: Status })[];
  byUnit: (Breakdown & { status: Status })[];
  byLevel: Breakdown[];
  byDistrict: Breakdown[];
  bySection: Breakdown[];
  byQuestion: (Breakdown & { section: string })[];
  /**
   * `rate` = counted respondents ÷ form views (a view is one load of the form page, counted per link and month).
   * Never above 1: with fewer views than respondents the views were not counted for part of the range (answers
   * imported or seeded, views lost to a crash), `viewsCounted` is false and `rate` null. `late`: how many of the
   * respondents were sent late (kiosk ratings queued offline, issue #29), counted in the month they were given.
   */
  responses: { respondents: number; views: number; rate: number | null; viewsCounted: boolean; late: number };
  formula: { id: string; version: string; text: string; textEn: string };
  itemFormula: { id: string; version: string; text: string; textEn: string };
  settings: { k: number; minN: number };
  /** Not null while answers are being moved to today's unit tree after a unit moved or merged (reorganisation/rechain.ts). */
  recomputing: RechainProgress | null;
}

/**
 * One slice of a figure document: a survey's counts within a month, or the overall question's counts of one unit,
 * level or district for one survey. Every breakdown sums slices; `scale` tells where the top two levels are.
 */
interface Slice {
  key: string;
  surveyKey: string;
  scale: number;
  items: Record<string, ScoreCounts | undefined>;
}

/** The slices of some figure documents: by survey (items), or by one breakdown map (the overall question). */
function slicesOf(docs: MonthFigures[], by: 'period' | 'units' | 'levels' | 'districts'): Slice[] {
  const out: Slice[] = [];
  for (const doc of docs) {
    const scaleOf = (survey: string) => doc.surveys?.[survey]?.scale ?? 5;
    if (by === 'period') {
      for (const survey of Object.keys(doc.surveys ?? {}).sort())
        out.push({ key: doc.period, surveyKey: fromFieldKey(survey), scale: scaleOf(survey), items: doc.surveys[survey]!.items ?? {} });
      continue;
    }
    for (const [key, perSurvey] of Object.entries(doc[by] ?? {})) {
      for (const [survey, counts] of Object.entries(perSurvey ?? {}))
        out.push({ key: fromFieldKey(key), surveyKey: fromFieldKey(survey), scale: scaleOf(survey), items: { overall: counts } });
    }
  }
  return out;
}

/** Sums the overall question across slices of possibly different scales: n and top-two count add up; means only on one scale. */
function overallOf(slices: Slice[]): { n: number; satisfied: number; mean: number | null } {
  let n = 0;
  let satisfied = 0;
  let weighted = 0;
  const scales = new Set<number>();
  for (const slice of slices) {
    const item = summarizeCounts(slice.items.overall, slice.scale);
    if (item.n === 0) continue;
    scales.add(slice.scale);
    n += item.n;
    satisfied += item.satisfied;
    weighted += (item.mean ?? 0) * item.n;
  }
  return { n, satisfied, mean: n > 0 && scales.size === 1 ? weighted / n : null };
}

function cell(n: number, satisfied: number, mean: number | null, k: number): Cell {
  const hidden = suppressed(n, k);
  return {
    n,
    satisfied: hidden ? null : satisfied,
    share: hidden ? null : share(satisfied, n),
    ci95: hidden ? null : wilson95(satisfied, n),
    mean: hidden ? null : mean,
    suppressed: hidden,
  };
}

function groupOverall(slices: Slice[], k: number) {
  const groups = new Map<string, Slice[]>();
  for (const slice of slices) {
    const group = groups.get(slice.key);
    if (group) group.push(slice);
    else groups.set(slice.key, [slice]);
  }
  return [...groups.entries()].map(([key, rows]) => {
    const o = overallOf(rows);
    return { key, raw: o, ...cell(o.n, o.satisfied, o.mean, k) };
  });
}

/** Item and section breakdowns: answers per question key, and per section key (area or SIPAS element). */
function itemBreakdowns(slices: Slice[], instruments: Map<string, InstrumentDefinition>, k: number) {
  const perQuestion = new Map<string, { counts: ScoreCounts; scale: number; section: string; label: Breakdown['label'] }>();
  for (const rollup of slices) {
    const definition = instruments.get(rollup.surveyKey);
    if (!definition) continue;
    for (const section of definition.sections) {
      for (const question of section.questions) {
        let entry = perQuestion.get(question.key);
        if (!entry) perQuestion.set(question.key, (entry = { counts: {}, scale: rollup.scale, section: section.key, label: question.text }));
        addCounts(entry.counts, rollup.items[question.key]);
      }
    }
  }
  const sectionLabels = new Map<string, Breakdown['label']>();
  for (const definition of instruments.values()) for (const s of definition.sections) if (!sectionLabels.has(s.key)) sectionLabels.set(s.key, s.title);
  const perSection = new Map<string, { n: number; satisfied: number; sum: number }>();
  const byQuestion = [...perQuestion.entries()].map(([key, q]) => {
    const s = summarizeCounts(q.counts, q.scale);
    const acc = perSection.get(q.section) ?? { n: 0, satisfied: 0, sum: 0 };
    acc.n += s.n;
    acc.satisfied += s.satisfied;
    acc.sum += (s.mean ?? 0) * s.n;
    perSection.set(q.section, acc);
    return { key, label: q.label, section: q.section, ...cell(s.n, s.satisfied, s.mean, k) };
  });
  const bySection = [...perSection.entries()].map(([key, acc]) => ({
    key,
    label: sectionLabels.get(key) ?? { vi: key, en: key },
    ...cell(acc.n, acc.satisfied, acc.n ? acc.sum / acc.n : null, k),
  }));
  // A section's figure is the sum of its questions: hidden questions are complemented within their section. No
  // total of the sections is shown, so sections need primary suppression only.
  const sections = new Map<string, typeof byQuestion>();
  for (const q of byQuestion.filter((q) => q.n > 0)) sections.set(q.section, [...(sections.get(q.section) ?? []), q]);
  const suppressedQuestions = [...sections.values()].flatMap((group) => complementSuppress(group, k));
  return { byQuestion: suppressedQuestions, bySection: bySection.filter((s) => s.n > 0) };
}

const LEVEL_LABELS: Record<string, Breakdown['label']> = {
  mamnon: { vi: 'Mầm non', en: 'Preschool' },
  tieuhoc: { vi: 'Tiểu học', en: 'Primary' },
  thcs: { vi: 'THCS', en: 'Lower secondary' },
  thpt: { vi: 'THPT', en: 'Upper secondary' },
  gdtx: { vi: 'GDTX', en: 'Continuing education' },
  none: { vi: 'Không theo cấp học', en: 'No school level' },
};

/** What one figures request reads: the scope's months, its province's (the disclosure rule's atoms), targets, units. */
interface StatsInputs {
  periods: string[];
  root: string;
  docs: MonthFigures[];
  rootMonths: MonthFigures[];
  targets: Target[];
  units: ReadonlyMap<string, Unit>;
}

async function readInputs(models: Models, query: StatsQuery, projector: Settles): Promise<StatsInputs> {
  const { unit } = query;
  const periods = periodRange(query.from, query.to);
  await projector.settled(); // this instance's own answers first (read-your-writes)
  // The scope's figures and its province's in one read; the targets and the units meanwhile.
  const root = unit.ancestors?.[0] ?? unit.code;
  const own = { kind: query.kind, scope: unit.code, periods, level: query.level, tree: query.tree };
  const rootIsOwn = root === unit.code && !query.level && query.tree !== 'then';
  const [{ own: docs, root: rootMonths }, targets, units] = await Promise.all([
    readScopeAndRoot(models.Figure, own, rootIsOwn ? undefined : { kind: query.kind, scope: root, periods }),
    models.Target.find().lean<Target[]>(),
    unitsByCode(models.Unit),
  ]);
  return { periods, root, docs, rootMonths, targets, units };
}

/**
 * Which sets may show their satisfied count at all (disclosure.ts): unions of atoms of at least k answers, so that
 * no hidden cell comes back by subtracting other requests' figures. Questions the province's answers leave
 * uncertain (blanks inside a small atom) are settled with its blanks, read only then (one more read, by `_id`).
 */
async function publicationFor(models: Models, query: StatsQuery, inputs: StatsInputs, instruments: Map<string, InstrumentDefinition>): Promise<Publication> {
  const { docs } = inputs;
  const disclosure = {
    rootMonths: inputs.rootMonths,
    periods: inputs.periods,
    scope: query.unit.code,
    root: inputs.root,
    units: inputs.units,
    k: query.k,
    differs: (period: string) => docs.some((d) => d.period === period && d.differs),
    questions: new Map([...instruments].map(([key, definition]) => [key, ratingQuestions(definition).map((q) => q.key)])),
    questionLevels: Boolean(query.level),
  };
  const publication = publicationOf(disclosure);
  if (!publication.blanksNeeded.length) return publication;
  const blanks = await readBlanks(models.Figure, query.kind, inputs.root, publication.blanksNeeded);
  return publicationOf({ ...disclosure, blanks });
}

/** A figure whose set is not published shows only its n (nothing to hide when it is empty or suppressed already). */
const unless = <T extends Hideable>(ok: boolean, c: T): T => (ok || c.n === 0 || c.suppressed ? c : hide(c));

/** The rows of the unit, level and district breakdowns, each hidden where its set is not published. */
function breakdowns(
  docs: MonthFigures[],
  query: StatsQuery,
  published: { unitRow(code: string): boolean; level(level: string): boolean; district(name: string): boolean },
  units: ReadonlyMap<string, Unit>,
  statusFor: (c: { suppressed: boolean }, satisfied: number, n: number) => Status,
): Pick<StatsResult, 'byUnit' | 'byLevel' | 'byDistrict'> {
  const { k } = query;
  const byUnit = complementSuppress(
    groupOverall(slicesOf(docs, 'units'), k).map((g) => unless(published.unitRow(g.key), g)),
    k,
  )
    .map((g) => ({ ...stripRaw(g), label: unitLabel(units, g.key), status: statusFor(g, g.raw.satisfied, g.raw.n) }))
    .sort(lowestFirst);
  const byLevel = complementSuppress(
    groupOverall(slicesOf(docs, 'levels'), k)
      .map((g) => unless(published.level(g.key), g))
      .sort(levelOrder),
    k,
  ).map((g) => ({ ...stripRaw(g), label: LEVEL_LABELS[g.key] ?? { vi: g.key, en: g.key } }));
  const byDistrict = complementSuppress(
    groupOverall(slicesOf(docs, 'districts'), k).map((g) => unless(published.district(g.key), g)),
    k,
  )
    .map((g) => ({ ...stripRaw(g), label: { vi: g.key, en: g.key } }))
    .sort(lowestFirst);
  return { byUnit, byLevel, byDistrict };
}

/**
 * Figures for one scope and period range, read from its figure documents (one query by `_id`: read-figures.ts;
 * shares computed here). The API, the dashboard, the exports and the monthly e-mail all call this, so their
 * numbers are the same.
 */
export async function computeStats(
  models: Models,
  query: StatsQuery,
  instruments: Map<string, InstrumentDefinition>,
  projector: Settles,
): Promise<StatsResult> {
  const { unit, k, minN } = query;
  const inputs = await readInputs(models, query, projector);
  const { periods, docs, targets, units } = inputs;
  const bySurvey = slicesOf(docs, 'period');
  const targetOf = (period: string) => targetFor(targets, query.kind, Number(period.slice(0, 4)));
  const overall = overallOf(bySurvey);
  const headlineTarget = targetOf(query.to);
  const publication = await publicationFor(models, query, inputs, instruments);
  // With the level filter, the scope is its part at that level: its rows are parts of that part, published only
  // while its atoms are all of that level (then a unit's or a district's atom lies wholly in it, or outside).
  const levelOk = query.level ? publication.level(query.level) : true;
  const published = {
    scope: query.level ? levelOk : publication.scope,
    month: (period: string) => publication.month(period, query.level),
    level: (level: string) => publication.level(level),
    unitRow: (code: string) => levelOk && publication.unitRow(code),
    district: (name: string) => levelOk && publication.district(name),
  };
  // A hidden figure has no status either: "met" or "below" would tell what its share is.
  const statusFor = (c: { suppressed: boolean }, satisfied: number, n: number, target: number | null): Status =>
    target === null || c.suppressed ? 'insufficient' : statusOf(satisfied, n, target, minN);
  const headlineCell = unless(published.scope, cell(overall.n, overall.satisfied, overall.mean, k));
  const headline = {
    n: overall.n,
    satisfied: headlineCell.satisfied,
    share: headlineCell.share,
    ci95: headlineCell.ci95,
    mean: headlineCell.mean,
    target: headlineTarget,
    targetSource: targetSourceFor(targets, query.kind, Number(query.to.slice(0, 4))),
    status: statusFor(headlineCell, overall.satisfied, overall.n, headlineTarget),
    suppressed: headlineCell.suppressed,
  };

  // The months are the headline's parts. Their complement is never the range's last month when another will do:
  // the monthly e-mail leads with that month.
  const months = new Map(groupOverall(bySurvey, k).map((g) => [g.key, g]));
  const monthCells = complementSuppress(
    periods.map((period) => unless(published.month(period), { period, ...(months.get(period) ?? { ...cell(0, 0, null, k), raw: { n: 0, satisfied: 0 } }) })),
    k,
    (m) => m.period === query.to,
  );
  const byMonth = monthCells.map((m) => {
    const target = targetOf(m.period);
    const { period, ...rest } = stripRaw(m);
    return { period, ...rest, target, status: statusFor(m, m.raw.satisfied, m.raw.n, target) };
  });

  // The questions of an unpublished scope would tell its answers apart: hidden with it. So would a question that
  // some atom of the scope has fewer than k answers to (blanks), and a section that sums it with the others.
  const items = itemBreakdowns(bySurvey, instruments, k);
  const byQuestion = items.byQuestion.map((q) => unless(published.scope && publication.question(q.key, query.level), q));
  const sectionsHiding = new Set(byQuestion.filter((q) => !publication.question(q.key, query.level)).map((q) => q.section));
  const bySection = items.bySection.map((s) => unless(published.scope && !sectionsHiding.has(s.key), s));

  const views = await readViews(models.ViewTotal, unit.code, periods);
  const respondents = docs.reduce((sum, doc) => sum + (doc.respondents ?? 0), 0);
  const late = docs.reduce((sum, doc) => sum + (doc.late ?? 0), 0);

  return {
    scope: {
      kind: query.kind,
      unit: { code: unit.code, name: unit.name, type: unit.type },
      from: query.from,
      to: query.to,
      level: query.level ?? null,
      tree: query.tree ?? 'today',
    },
    headline,
    byMonth,
    ...breakdowns(docs, query, published, units, (c, satisfied, n) => statusFor(c, satisfied, n, headlineTarget)),
    bySection,
    byQuestion,
    responses: { respondents, views, rate: views > 0 && views >= respondents ? respondents / views : null, viewsCounted: views >= respondents, late },
    formula: { id: HEADLINE_FORMULA.id, version: HEADLINE_FORMULA.version, text: HEADLINE_FORMULA.text.vi, textEn: HEADLINE_FORMULA.text.en },
    itemFormula: { id: ITEM_FORMULA.id, version: ITEM_FORMULA.version, text: ITEM_FORMULA.text.vi, textEn: ITEM_FORMULA.text.en },
    settings: { k, minN },
    // Units moved or merged and their answers are still being moved to today's tree (rechain.ts): figures may lag.
    recomputing: await rechainProgress(models),
  };
}

/** A unit's name; a merged unit says which unit it joined, since its answers now count there too. */
function unitLabel(units: ReadonlyMap<string, Unit>, code: string): { vi: string; en: string } {
  const unit = units.get(code);
  const name = unit?.name ?? code;
  if (!unit?.mergedInto) return { vi: name, en: name };
  const into = units.get(unit.mergedInto)?.name ?? unit.mergedInto;
  return { vi: `${name} (đã sáp nhập vào ${into})`, en: `${name} (merged into ${into})` };
}

function stripRaw<T extends { raw: unknown }>(value: T): Omit<T, 'raw'> {
  const { raw: _raw, ...rest } = value;
  return rest;
}

const LEVEL_ORDER = Object.keys(LEVEL_LABELS);
const levelOrder = (a: { key: string }, b: { key: string }) => LEVEL_ORDER.indexOf(a.key) - LEVEL_ORDER.indexOf(b.key);

/** Lowest share first; suppressed cells (no share) last; ties by n (largest first), then by key, so every instance agrees. */
function lowestFirst(a: { key: string; share: number | null; n: number }, b: { key: string; share: number | null; n: number }): number {
  if (a.share === null || b.share === null) {
    if (a.share !== b.share) return a.share === null ? 1 : -1;
  } else if (a.share !== b.share) return a.share - b.share;
  return b.n - a.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
