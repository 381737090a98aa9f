/**
 * Waits until `read()` stops changing for `stableMs` (at most `timeoutMs`): used to let the app's fire-and-forget
 * view writes drain before the next measurement, and to time how long they were queued.
 */
export async function waitUntilStable(
  read: () => Promise<number>,
  options: { stableMs?: number; timeoutMs?: number; pollMs?: number } = {},
): Promise<{ value: number; waitedMs: number; settled: boolean }> {
  const stableMs = options.stableMs ?? 3000;
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

/** Waits until `read()` reaches `target` (at most `timeoutMs`), polling every `pollMs`. */
export async function waitUntilReached(
  read: () => Promise<number>,
  target: number,
  timeoutMs: number,
  pollMs = 500,
): Promise<{ value: number; waitedMs: number; reached: boolean }> {
  const started = Date.now();
  let value = await read();
  while (value < target && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    value = await read();
  }
  return { value, waitedMs: Date.now() - started, reached: value >= target };
}
