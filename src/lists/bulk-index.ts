import type { Connection } from 'mongoose';
import type { ResponseDoc } from '../responses/response.model';
import { hasListEntries, resyncResponses } from './list-sync';

/**
 * Indexes many responses at once: for seeds that insert responses directly and for the migration of a database
 * written before the list indexes. Only responses with a comment or a flag are kept (about one in ten), and they
 * are written `flushAt` at a time, so the per-day counters of a scope take one write per flush instead of one per
 * response, and new bucket documents go in with one insert. Memory: at most `flushAt` responses and their buckets.
 */
export class BulkListIndexer {
  private buffer: ResponseDoc[] = [];
  indexed = 0;

  constructor(
    private readonly db: Connection,
    private readonly options: { fresh: boolean; flushAt?: number },
  ) {}

  private get flushAt(): number {
    return this.options.flushAt ?? 5000;
  }

  async add(responses: Iterable<ResponseDoc>): Promise<void> {
    for (const r of responses) if (hasListEntries(r)) this.buffer.push(r);
    if (this.buffer.length >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    if (!batch.length) return;
    await resyncResponses(this.db, batch, { fresh: this.options.fresh, chunk: this.flushAt });
    this.indexed += batch.length;
  }
}

/** Indexes responses a seed has just inserted (nothing else has changed them since). */
export async function indexSeededResponses(db: Connection, responses: readonly ResponseDoc[]): Promise<void> {
  const indexer = new BulkListIndexer(db, { fresh: true, flushAt: Math.max(1, responses.length) });
  await indexer.add(responses);
  await indexer.flush();
}
