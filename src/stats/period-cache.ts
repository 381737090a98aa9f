/**
 * An in-process cache of documents by (partition, month). FerretDB v1 decodes documents slowly (reading the 6,600
 * rollups of a 500-unit province's year took ~9 s), while the figures of a month only change through this
 * process's own writes on a single instance. So each month is read once, kept, and updated in place by the same
 * code that writes the database (write-through); entries also expire after `ttlMs` so that writes made by another
 * process (a CLI rebuild, a second instance on MongoDB) show up within minutes.
 */
export class PeriodCache<T extends { _id: string; period: string }> {
  private readonly entries = new Map<string, { docs: Map<string, T>; loadedAt: number }>();
  private readonly loading = new Map<string, Promise<void>>();
  /** Ids written through `update` while their month was being re-read: the cached version is the newer one. */
  private readonly touched = new Map<string, Set<string>>();
  /** Bumped by `invalidate`: a read started before it must not bring back what it dropped. */
  private generation = 0;

  /**
   * `load` reads the documents of several months in one query: FerretDB v1 scans either way, and one scan of
   * the collection is far cheaper than one per month (measured: 9 s against 90 s for a year of a province).
   */
  constructor(
    private readonly load: (partition: string, periods: string[]) => Promise<T[]>,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  /**
   * The documents of `periods`. A month never read waits for its read; a month read more than `ttlMs` ago is
   * served as it is while it is re-read in the background, so no request pays for the refresh (seconds on
   * FerretDB at a million responses).
   */
  async get(partition: string, periods: string[], now = Date.now()): Promise<T[]> {
    const key = (period: string) => `${partition}|${period}`;
    const stale = periods.filter((p) => {
      const entry = this.entries.get(key(p));
      return (entry === undefined || now - entry.loadedAt >= this.ttlMs) && !this.loading.has(key(p));
    });
    if (stale.length) {
      for (const p of stale) this.touched.set(key(p), new Set());
      const generation = this.generation;
      const batch = this.load(partition, stale).then((docs) => {
        if (generation !== this.generation) return;
        const loaded = new Map(stale.map((p) => [key(p), new Map<string, T>()]));
        for (const doc of docs) loaded.get(key(doc.period))?.set(doc._id, doc);
        for (const [k, fresh] of loaded) {
          const previous = this.entries.get(k)?.docs;
          for (const id of this.touched.get(k) ?? []) {
            const kept = previous?.get(id);
            if (kept) fresh.set(id, kept);
          }
          this.entries.set(k, { docs: fresh, loadedAt: now });
        }
      });
      const settled = batch.finally(() =>
        stale.forEach((p) => {
          this.loading.delete(key(p));
          this.touched.delete(key(p));
        }),
      );
      stale.forEach((p) => this.loading.set(key(p), settled));
      // A failed background refresh keeps the old figures; a caller waiting for a first read gets the error.
      settled.catch(() => undefined);
    }
    // Wait only for months with nothing to show yet; a read made void by `invalidate` is started again.
    const waiting = periods.filter((p) => !this.entries.has(key(p)));
    if (waiting.length) {
      await Promise.all(waiting.map((p) => this.loading.get(key(p))));
      if (waiting.some((p) => !this.entries.has(key(p)))) return this.get(partition, periods, now);
    }
    return periods.flatMap((p) => [...(this.entries.get(key(p))?.docs.values() ?? [])]);
  }

  /** Applies a write this process just made to the database; months not in the cache are left to load later. */
  update(partition: string, period: string, id: string, change: (doc: T | undefined) => T | undefined): void {
    const k = `${partition}|${period}`;
    this.touched.get(k)?.add(id);
    const entry = this.entries.get(k);
    if (!entry) return;
    const next = change(entry.docs.get(id));
    if (next) entry.docs.set(id, next);
    else entry.docs.delete(id);
  }

  invalidate(): void {
    this.generation += 1;
    this.entries.clear();
  }
}

/** Applies `$inc` paths such as "respondents" or "items.overall.s5" to a plain document copy. */
export function applyIncrements<T extends object>(doc: T, inc: Record<string, number>): T {
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (const [path, value] of Object.entries(inc)) {
    const parts = path.split('.');
    let target = copy;
    for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    const last = parts[parts.length - 1]!;
    target[last] = ((target[last] as number | undefined) ?? 0) + value;
  }
  return copy as T;
}
