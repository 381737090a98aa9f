import { addIncrements, applyPaths, flatten } from './counters';
import { blanksId, THEN_TREE } from './fan-out';
import {
  emptyFigureData,
  figureId,
  levelFigures,
  viewTotalId,
  type FigureData,
  type FigureDoc,
  type FigureModel,
  type ViewTotal,
  type ViewTotalModel,
} from './figure.model';
import { figureCounters, isScalePath } from './rebuild';
import { decodedFigures } from './decoded-figures';
import { collectionOf, inOrder, listByIds, readByIds } from '../data/by-id';

/** `differs`: "as the tree was then", this month had a difference document (a reorganisation touched the scope). */
export type MonthFigures = FigureData & { period: string; differs?: boolean };

/** Which figures to read: one scope, kind and level for these months. */
export interface FigureQuery {
  kind: string;
  scope: string;
  periods: string[];
  level?: string;
  tree?: Tree;
}

/**
 * The figures of one scope, kind and level for these months: one query by `_id` (an `$in` of at most 36 ids,
 * served by the `_id` index on FerretDB with our patch and on MongoDB) returning one packed string per month,
 * whatever the number of answers. Nothing is kept in memory between requests, so every instance reads the same,
 * current figures. Callers first let the projector take in the answers this process has accepted (projector.ts
 * `settled`, bounded), so that a page shows its own instance's answers.
 */
export async function readFigureDocs(Figure: FigureModel, query: FigureQuery): Promise<MonthFigures[]> {
  return (await readScopeAndRoot(Figure, query)).own;
}

/**
 * A scope's figures and its province's (whose atoms the disclosure rule needs) in one read: one round trip instead
 * of one per scope, which is most of a figures request's time on a busy database. Without `root`, the scope's own
 * figures serve as both.
 */
export async function readScopeAndRoot(Figure: FigureModel, own: FigureQuery, root?: FigureQuery): Promise<{ own: MonthFigures[]; root: MonthFigures[] }> {
  const ownIds = figureIdsOf(own);
  const rootIds = root ? figureIdsOf(root) : [];
  const found = await readByIds(collectionOf<FigureDoc>(Figure), [...new Set([...ownIds, ...rootIds])], { pending: 0 });
  const ownMonths = monthsOf(own, inOrder(found, ownIds));
  return { own: ownMonths, root: root ? monthsOf(root, inOrder(found, rootIds)) : ownMonths };
}

/**
 * The province's blank questions per unit (fan-out.ts, BLANKS) for these months, by month: read only when the
 * disclosure rule cannot settle a question without them (stats/disclosure.ts).
 */
export async function readBlanks(
  Figure: FigureModel,
  kind: string,
  root: string,
  periods: readonly string[],
): Promise<Map<string, NonNullable<FigureData['blanks']>>> {
  const docs = await readByIds(
    collectionOf<FigureDoc>(Figure),
    periods.map((period) => blanksId(period, kind, root)),
    { pending: 0 },
  );
  return new Map([...docs.values()].map((doc) => [doc.period, decodedFigures(doc).blanks ?? {}]));
}

function figureIdsOf(query: FigureQuery): string[] {
  const ids = query.periods.map((period) => figureId(period, query.kind, query.scope));
  // "As the tree was then": today's figures plus each month's difference document, where a reorganisation left one.
  if (query.tree === 'then') ids.push(...query.periods.map((period) => figureId(period, query.kind, query.scope, THEN_TREE)));
  return ids;
}

function monthsOf(query: FigureQuery, docs: FigureDoc[]): MonthFigures[] {
  const byPeriod = new Map<string, FigureData>();
  const differs = new Set<string>();
  for (const doc of docs.sort((a, b) => (a.level === THEN_TREE ? 1 : 0) - (b.level === THEN_TREE ? 1 : 0))) {
    const today = byPeriod.get(doc.period);
    if (doc.level === THEN_TREE) differs.add(doc.period);
    byPeriod.set(doc.period, today ? withDifference(today, doc) : decodedFigures(doc));
  }
  return [...byPeriod]
    .map(([period, data]) =>
      query.level || differs.has(period)
        ? { period, ...(query.level ? levelFigures(data, query.level) : data), ...(differs.has(period) ? { differs: true } : {}) }
        : wholeMonth(period, data),
    )
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
}

const wholeMonths = new WeakMap<FigureData, MonthFigures>();

/**
 * A month's figures as decoded (decoded-figures.ts), with its period: the same frozen object while the month is
 * unchanged, so what the readers work out from a month can be kept with it (stats/disclosure-months.ts).
 */
function wholeMonth(period: string, data: FigureData): MonthFigures {
  let month = wholeMonths.get(data);
  if (!month) wholeMonths.set(data, (month = Object.freeze({ period, ...data })));
  return month;
}

/** Which tree figures follow: today's (the default), or each answer's unit where it stood on the day of the answer. */
export type Tree = 'today' | 'then';

/** Today's figures with a difference document added, counts that fall to zero dropped (a merged school's row). */
function withDifference(today: FigureData, difference: FigureDoc): FigureData {
  const flat = (data: FigureData) => flatten(data);
  const todayFlat = flat(today);
  const counters = addIncrements({ ...todayFlat }, figureCounters(difference));
  const kept = Object.fromEntries(Object.entries(counters).filter(([path, n]) => n !== 0 && !isScalePath(path)));
  // A survey's scale is a setting, not a count: taken from either document.
  const scales = Object.fromEntries([...Object.entries(flat(decodedFigures(difference))), ...Object.entries(todayFlat)].filter(([path]) => isScalePath(path)));
  const data = emptyFigureData();
  applyPaths(data, kept, scales);
  return data;
}

/** Form views of a scope over these months (view-counter.ts writes them per scope). */
export async function readViews(ViewTotal: ViewTotalModel, scope: string, periods: string[]): Promise<number> {
  const ids = periods.map((period) => viewTotalId(period, scope));
  const docs = await listByIds(collectionOf<ViewTotal>(ViewTotal), ids);
  return docs.reduce((sum, doc) => sum + (doc.views ?? 0), 0);
}
