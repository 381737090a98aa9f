/**
 * A 12-month trend with its 95% band, drawn as SVG on the server (issue #27: the public page works without
 * JavaScript). A month without a published share (no answers, or hidden under the disclosure rule) leaves a gap in
 * the line and the band, never a point at zero. With about 200 answers a month a share swings by some five points:
 * the band shows which moves are noise.
 */
export interface TrendPoint {
  period: string;
  share: number | null;
  ci95: [number, number] | null;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function trendSvg(points: readonly TrendPoint[], target: number | null, label: string, width = 640, height = 200): string {
  const known = points.flatMap((p) => (p.share === null ? [] : [p.share, ...(p.ci95 ?? [])]));
  const low = Math.max(0, Math.floor((Math.min(...known, target ?? 1, 1) - 0.05) * 20) / 20);
  const pad = { left: 40, right: 10, top: 10, bottom: 24 };
  const x = (i: number) => pad.left + (points.length > 1 ? (i * (width - pad.left - pad.right)) / (points.length - 1) : (width - pad.left - pad.right) / 2);
  const y = (share: number) => pad.top + ((1 - share) * (height - pad.top - pad.bottom)) / (1 - low || 1);
  const r = (v: number) => Math.round(v * 10) / 10;
  // Runs of months with a share: each its own line and band.
  const runs: number[][] = [];
  points.forEach((p, i) => {
    if (p.share === null) return;
    const last = runs.at(-1);
    if (last && last.at(-1) === i - 1) last.push(i);
    else runs.push([i]);
  });
  const parts: string[] = [];
  for (const run of runs) {
    const banded = run.filter((i) => points[i]!.ci95);
    if (banded.length > 1) {
      const upper = banded.map((i) => `${r(x(i))},${r(y(points[i]!.ci95![1]))}`);
      const lower = [...banded].reverse().map((i) => `${r(x(i))},${r(y(points[i]!.ci95![0]))}`);
      parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}"/>`);
    }
    parts.push(`<polyline class="line" points="${run.map((i) => `${r(x(i))},${r(y(points[i]!.share!))}`).join(' ')}"/>`);
    for (const i of run) parts.push(`<circle class="dot" cx="${r(x(i))}" cy="${r(y(points[i]!.share!))}" r="2.5"/>`);
  }
  if (target !== null) parts.push(`<line class="target" x1="${pad.left}" x2="${width - pad.right}" y1="${r(y(target))}" y2="${r(y(target))}"/>`);
  // The axis: the low end, the target's level and 100%; each month's label under it (every other when crowded).
  const ticks = [...new Set([low, 1])].map((v) => `<text class="tick" x="${pad.left - 4}" y="${r(y(v)) + 4}" text-anchor="end">${Math.round(v * 100)}%</text>`);
  const months = points.map((p, i) =>
    points.length > 8 && i % 2
      ? ''
      : `<text class="tick" x="${r(x(i))}" y="${height - 6}" text-anchor="middle">${p.period.slice(5, 7)}/${p.period.slice(2, 4)}</text>`,
  );
  return [
    `<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}">`,
    `<title>${escapeXml(label)}</title>`,
    ...parts,
    ...ticks,
    ...months,
    '</svg>',
  ].join('');
}

/** A small badge for a school's website: "92% hài lòng · n = 214 · 12 tháng" (or n alone below k). */
export function badgeSvg(text: string): string {
  const width = Math.round(12 + text.length * 6.6);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="22" viewBox="0 0 ${width} 22" role="img" aria-label="${escapeXml(text)}">`,
    `<title>${escapeXml(text)}</title>`,
    `<rect width="${width}" height="22" rx="4" fill="#1b5e20"/>`,
    `<text x="${width / 2}" y="15" fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">${escapeXml(text)}</text>`,
    '</svg>',
  ].join('');
}
