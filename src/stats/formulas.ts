/**
 * The satisfaction formulas, pure and versioned. Every figure shown anywhere (dashboard, API, exports, e-mail)
 * comes from these functions, so the numbers reconcile. Shares and targets are fractions (0.85 = 85%).
 */
export const HEADLINE_FORMULA = {
  id: 'top2-share',
  version: '1.0',
  text: {
    vi: 'Tỷ lệ hài lòng = số người trả lời câu đánh giá chung ở hai mức cao nhất (4–5 trên thang 5 mức; "hài lòng" hoặc "rất hài lòng" trên thang 3 mức) chia cho số người đã trả lời câu đó (bỏ qua phiếu để trống). Khoảng tin cậy 95% theo phương pháp Wilson.',
    en: 'Satisfaction rate = respondents who answered the overall question at the top two levels (4–5 on the 5-level scale; "satisfied" or "very satisfied" on the 3-level scale) divided by respondents who answered it (blanks excluded). 95% Wilson score interval.',
  },
} as const;

export const ITEM_FORMULA = {
  id: 'item-top2-share-mean',
  version: '1.0',
  text: {
    vi: 'Theo từng câu hỏi, lĩnh vực hoặc đơn vị: tỷ lệ câu trả lời ở hai mức cao nhất và điểm trung bình; ô có ít hơn k câu trả lời được ẩn để bảo vệ người trả lời.',
    en: 'Per question, area or unit: share of answers at the top two levels and the mean score; cells with fewer than k answers are hidden to protect respondents.',
  },
} as const;

export type Status = 'met' | 'below' | 'uncertain' | 'insufficient';

export type { ScoreCounts } from '../figures/counters';
import type { ScoreCounts } from '../figures/counters';

export interface ItemSummary {
  n: number;
  /** answers at the top two levels */
  satisfied: number;
  share: number | null;
  mean: number | null;
}

const Z95 = 1.959963984540054;

export function share(satisfied: number, n: number): number | null {
  return n > 0 ? satisfied / n : null;
}

/** Wilson score interval at 95% for `satisfied` successes out of `n`; null when n = 0. */
export function wilson95(satisfied: number, n: number): [number, number] | null {
  if (n <= 0) return null;
  const p = satisfied / n;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Status against a target, in this order: too few responses (n below `minN`); met (point estimate at or above
 * the target); below with 95% confidence (interval entirely under the target); otherwise uncertain.
 */
export function statusOf(satisfied: number, n: number, target: number, minN = 30): Status {
  if (n < minN || n === 0) return 'insufficient';
  if (satisfied / n >= target) return 'met';
  const interval = wilson95(satisfied, n)!;
  return interval[1] < target ? 'below' : 'uncertain';
}

// Built once: these run for every rollup and question of a province-wide view (tens of thousands of times).
const SCORE_KEYS = Array.from({ length: 11 }, (_, score) => `s${score}` as const);

/** Top-two share and mean of one item from its score counts. */
export function summarizeCounts(counts: ScoreCounts | undefined, scale: number): ItemSummary {
  let n = 0;
  let sum = 0;
  let satisfied = 0;
  for (let score = 1; score <= scale; score++) {
    const count = counts?.[SCORE_KEYS[score] ?? `s${score}`] ?? 0;
    n += count;
    sum += count * score;
    if (score >= scale - 1) satisfied += count;
  }
  return { n, satisfied, share: share(satisfied, n), mean: n > 0 ? sum / n : null };
}

/** Adds score counts (same scale) together. */
export function addCounts(into: ScoreCounts, counts: ScoreCounts | undefined): ScoreCounts {
  if (!counts) return into;
  for (const score in counts) {
    const key = score as `s${number}`;
    into[key] = (into[key] ?? 0) + (counts[key] ?? 0);
  }
  return into;
}

/** Mean of a 3-level item on the 5-level axis is meaningless; the mean is reported on the item's own scale. */
export const SMALL_CELL_DEFAULT_K = 5;

/** Small-cell suppression: below k answers a breakdown cell shows only that it is hidden. */
export function suppressed(n: number, k = SMALL_CELL_DEFAULT_K): boolean {
  return n > 0 && n < k;
}
