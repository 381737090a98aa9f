/**
 * Runs `work` over `items` with at most `limit` running at once, in order of start. For batches whose steps wait
 * on other processes (the database, the SMTP server): one at a time leaves both cores idle most of the time.
 */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
