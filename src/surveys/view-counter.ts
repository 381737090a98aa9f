import type { Collection } from 'mongoose';
import type { Link } from '../links/link.model';
import { dayOf, periodOf } from '../responses/period';
import type { LinkViewModel } from '../responses/side-records.model';
import { counterLocks } from '../keyed-mutex';
import { viewCache } from '../stats/figure-caches';

/**
 * Counts a form view for the link and day (the response rate's denominator). Fire and forget: a failed count
 * must never cost a respondent the form.
 */
export function recordView(LinkView: LinkViewModel, link: Link, now: Date): void {
  const day = dayOf(now);
  const views = LinkView.collection as unknown as Collection<{ _id: string }>;
  const id = `${link.code}|${day}`;
  const period = periodOf(now);
  counterLocks
    .run(id, async () => {
      await views.updateOne({ _id: id }, { $inc: { views: 1 }, $setOnInsert: { linkCode: link.code, unitCode: link.unitCode, day, period } }, { upsert: true });
      viewCache(LinkView).update('all', period, id, (doc) => (doc ? { ...doc, views: doc.views + 1 } : { _id: id, linkCode: link.code, unitCode: link.unitCode, day, period, views: 1 }));
    })
    .catch(() => undefined);
}
