import autocannon from 'autocannon';

/** The load-generator settings shared by both sides of a comparison. */
export interface LoadSettings {
  connections: number;
  durationSec: number;
}

export interface LoadFigures {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
}

export const figuresOf = (result: autocannon.Result): LoadFigures => ({
  // total over the measured time rather than autocannon's per-second average, which drops partial seconds
  requestsPerSec: result.requests.total / Math.max(0.001, result.duration),
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  requests: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  durationSec: result.duration,
});

/** One autocannon run, pipelining off (one request in flight per connection), bounded by its duration. */
export function autocannonRun(options: autocannon.Options & LoadSettings): Promise<autocannon.Result> {
  const { durationSec, ...rest } = options;
  return autocannon({ pipelining: 1, timeout: 10, ...rest, duration: durationSec });
}
