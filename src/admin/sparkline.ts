/**
 * A 12-month trend small enough for a tile, drawn as inline SVG on the server: the overview needs no script, and
 * a figure that is not there (no answers, hidden under k) leaves a gap instead of a line through zero.
 */
export interface Sparkline {
  width: number;
  height: number;
  /** polyline point lists, one per run of months with a figure */
  segments: string[];
  /** the target's y, or null without a target */
  targetY: number | null;
  /** the last month's point, marked */
  last: { x: number; y: number } | null;
}

export function sparkline(shares: ReadonlyArray<number | null>, target: number | null, width = 160, height = 40): Sparkline {
  const known = shares.filter((s): s is number => s !== null);
  // From a little under the lowest value (or the target) to 100%: shares near the target stay readable.
  const low = Math.max(0, Math.min(...known, target ?? 1, 1) - 0.05);
  const pad = 3;
  const x = (i: number) => pad + (shares.length > 1 ? (i * (width - 2 * pad)) / (shares.length - 1) : (width - 2 * pad) / 2);
  const y = (share: number) => pad + ((1 - share) * (height - 2 * pad)) / (1 - low || 1);
  const round = (v: number) => Math.round(v * 10) / 10;
  const segments: string[] = [];
  let run: string[] = [];
  shares.forEach((share, i) => {
    if (share === null) {
      if (run.length) segments.push(run.join(' '));
      run = [];
      return;
    }
    run.push(`${round(x(i))},${round(y(share))}`);
  });
  if (run.length) segments.push(run.join(' '));
  const lastIndex = shares.length - 1;
  const lastShare = shares[lastIndex];
  return {
    width,
    height,
    segments,
    targetY: target === null ? null : round(y(target)),
    last: lastShare === null || lastShare === undefined ? null : { x: round(x(lastIndex)), y: round(y(lastShare)) },
  };
}
