import type { Collection } from 'mongoose';
import { figureWriteBehind } from './write-behind';
import { figureId, levelFigures, unpackFigures, viewTotalId, type FigureData, type FigureDoc, type FigureModel, type ViewTotal, type ViewTotalModel } from './figure.model';

export type MonthFigures = FigureData & { period: string };

/**
 * The figures of one scope, kind and level for these months: one query by `_id` (an `$in` of at most 36 ids,
 * served by the `_id` index on FerretDB with our patch and on MongoDB) returning one packed string per month,
 * whatever the number of answers. Nothing is kept in memory between requests, so every instance reads the same,
 * current figures; first, the figure writes of answers this process has accepted land (write-behind.ts).
 */
export async function readFigureDocs(Figure: FigureModel, query: { kind: string; scope: string; periods: string[]; level?: string }): Promise<MonthFigures[]> {
  await figureWriteBehind(Figure).settled();
  const ids = query.periods.map((period) => figureId(period, query.kind, query.scope));
  const docs = await (Figure.collection as unknown as Collection<FigureDoc>).find({ _id: { $in: ids } }, { projection: { pending: 0 } }).toArray();
  const figuresOf = (doc: FigureDoc) => (query.level ? levelFigures(unpackFigures(doc), query.level) : unpackFigures(doc));
  return docs.map((doc) => ({ period: doc.period, ...figuresOf(doc) })).sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
}

/** Form views of a scope over these months (view-counter.ts writes them per scope). */
export async function readViews(ViewTotal: ViewTotalModel, scope: string, periods: string[]): Promise<number> {
  const ids = periods.map((period) => viewTotalId(period, scope));
  const docs = await (ViewTotal.collection as unknown as Collection<ViewTotal>).find({ _id: { $in: ids } }).toArray();
  return docs.reduce((sum, doc) => sum + (doc.views ?? 0), 0);
}
