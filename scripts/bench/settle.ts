/**
 * Waits until `read()` stops changing for `stableMs` (at most `timeoutMs`): used to let the app's fire-and-forget
 * view writes drain before the next measurement, and to time how long they were queued.
 */
export async function waitUntilStable(read: () => Promise<number>, options: { stableMs?: number; timeoutMs?: number; pollMs?: number } = {}): Promise<{ value: number; waitedMs: number; settled: boolean }> {
  // Longer than the app's view flush interval (5 s, src/surveys/view-counter.ts), or a pause between flushes looks settled.
  const stableMs = options.stableMs ?? 8000;
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 180_000);
  let value = await read();
  let changedAt = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    const next = await read();
    if (next !== value) {
      value = next;
      changedAt = Date.now();
    } else if (Date.now() - changedAt >= stableMs) {
      return { value, waitedMs: changedAt - started, settled: true };
    }
  }
  return { value, waitedMs: Date.now() - started, settled: false };
}
