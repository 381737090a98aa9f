import { bulkWriteInChunks } from '../data/bulk-chunks';
import type { Models } from '../models';
import type { LinkView } from '../responses/side-records.model';
import { viewTotalId, type ViewTotal } from '../figures/figure.model';
import type { Unit } from '../units/unit.model';
import { collectionOf } from '../data/by-id';

/**
 * The form views of every scope and month recounted from the per-link monthly counts under today's unit tree,
 * after units moved or merged (reorganisation/rechain.ts): the response rate of a unit that gained a merged school counts
 * that school's views too. Differences are added with `$inc`, read after the link counts, so the views that
 * instances flush meanwhile (view-counter.ts) are kept; one flushed between its two writes during these few
 * milliseconds can count twice in a total, which only moves a response rate's denominator by a minute's views.
 * A few documents per link and month: a province's five years are tens of thousands, read once.
 */
export async function recountViewTotals(models: Models, units: ReadonlyMap<string, Unit>): Promise<number> {
  const expected = new Map<string, number>();
  const linkViews = collectionOf<LinkView>(models.LinkView);
  for await (const doc of linkViews.find({}, { projection: { unitCode: 1, period: 1, views: 1 } })) {
    const unit = units.get(doc.unitCode);
    for (const scope of [doc.unitCode, ...(unit?.ancestors ?? [])]) {
      const id = viewTotalId(doc.period, scope);
      expected.set(id, (expected.get(id) ?? 0) + (doc.views ?? 0));
    }
  }
  const totals = collectionOf<ViewTotal>(models.ViewTotal);
  const stored = new Map<string, number>();
  for await (const doc of totals.find({})) stored.set(doc._id, doc.views ?? 0);
  const operations = [];
  for (const id of new Set([...expected.keys(), ...stored.keys()])) {
    const difference = (expected.get(id) ?? 0) - (stored.get(id) ?? 0);
    if (difference !== 0) operations.push({ updateOne: { filter: { _id: id }, update: { $inc: { views: difference } }, upsert: true } });
  }
  await bulkWriteInChunks((chunk) => totals.bulkWrite(chunk, { ordered: false }), operations);
  return operations.length;
}
