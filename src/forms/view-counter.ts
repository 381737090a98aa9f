import type { Link } from '../links/link.model';
import { bulkUpsertRetryingDuplicates, incrementById } from '../data/write-once';
import { periodOf } from '../responses/period';
import { linkViewId, type LinkView, type LinkViewModel } from '../responses/side-records.model';
import { viewTotalId, viewTotalModel, type ViewTotal } from '../figures/figure.model';
import { collectionOf } from '../data/by-id';

/**
 * Form views per link and month (the response rate's denominator, which the figures only ever read by month).
 * One document per link and month, not per day: on FerretDB v1 every update by `_id` scans the collection and
 * the dashboard decodes every view document of its 12 months, so the document count is what both cost.
 * Each flush also adds the link's views to its unit's and every ancestor's monthly total (view_totals), which the
 * figures read by `_id` (figures/read-figures.ts) instead of every link's document.
 * Views are counted in memory and written as one `$inc` per link and month: every minute, at once when a link
 * has gathered FLUSH_AT views (a burst far beyond any meeting), and at shutdown. A write per view queued thousands
 * of database updates under a burst (the form page benchmark saturated FerretDB); a flush every second or five,
 * or every 500 views of a busy link, still took a share of the database from submissions and pages (B1, B2).
 * A crash loses at most a minute (or FLUSH_AT) of view counts, never an answer; the figures of every instance
 * show views once written (up to a minute late: the response rate's denominator, harmless and bounded).
 * Counting must never cost a respondent the form, so failures are dropped silently.
 */
export interface ViewCount {
  count: number;
  linkCode: string;
  unitCode: string;
  /** the link's unit and every unit above it */
  scopes: string[];
  period: string;
}

const FLUSH_MS = 60_000;
const FLUSH_AT = 5000;

/** This instance's counts not written yet (one per app instance: instance.ts), written as described above. */
export class ViewCounter {
  private readonly buffer = new Map<string, ViewCount>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly LinkView: LinkViewModel) {}

  record(link: Link, now: Date, ancestors: readonly string[] = []): void {
    const period = periodOf(now);
    const id = linkViewId(link.code, period);
    this.timer ??= setInterval(() => void this.flush(), FLUSH_MS).unref();
    const pending = this.buffer.get(id) ?? { count: 0, linkCode: link.code, unitCode: link.unitCode, scopes: [link.unitCode, ...ancestors], period };
    pending.count += 1;
    this.buffer.set(id, pending);
    if (pending.count >= FLUSH_AT) {
      this.buffer.delete(id);
      void writeCount(this.LinkView, id, pending);
    }
  }

  /** Writes the buffered counts (on the timer, at shutdown, and in tests instead of waiting). */
  async flush(): Promise<void> {
    if (!this.buffer.size) return;
    const batch = [...this.buffer.entries()];
    this.buffer.clear();
    await Promise.all(batch.map(([id, p]) => writeCount(this.LinkView, id, p)));
  }
}

/** One atomic `$inc` per document (no lock: any number of instances write their counts). */
async function writeCount(LinkView: LinkViewModel, id: string, p: ViewCount): Promise<void> {
  const views = collectionOf<LinkView>(LinkView);
  try {
    await incrementById(views, id, { views: p.count }, { linkCode: p.linkCode, unitCode: p.unitCode, period: p.period });
    const totals = collectionOf<ViewTotal>(viewTotalModel(LinkView.db));
    const operations = p.scopes.map((scope) => ({
      updateOne: { filter: { _id: viewTotalId(p.period, scope) }, update: { $inc: { views: p.count } }, upsert: true },
    }));
    await bulkUpsertRetryingDuplicates((ops) => totals.bulkWrite(ops, { ordered: false }), operations);
  } catch {
    // dropped: see above
  }
}

/** Adds `count.count` views of a link and month at once (the demo seed: views to go with its answers). */
export const addViews = (LinkView: LinkViewModel, count: ViewCount): Promise<void> => writeCount(LinkView, linkViewId(count.linkCode, count.period), count);
