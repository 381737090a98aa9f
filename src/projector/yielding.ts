/**
 * The projector runs in the same process as the forms. Its loops over a batch (planning a hundred answers, packing
 * sixty figure documents) are CPU work of tens of milliseconds that would stall every request under way; they let
 * the event loop turn every few milliseconds instead, so an answer being stored waits for a few ms, not a batch.
 */
const SLICE_MS = 4;

export function cooperative(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}
