/**
 * Small-cell suppression, so that no figure exposes a handful of respondents (a desk officer's one citizen, a
 * class's three parents). Primary: a figure with 0 < n < k keeps its n but loses its share, mean and interval.
 * Complementary: a breakdown whose parent is shown (the scope's headline, a section) must not let "parent minus
 * the visible children" rebuild a hidden cell, so while the hidden cells are a single one or add up to fewer than
 * k answers, the smallest visible cell is hidden too.
 */
export interface Hideable {
  n: number;
  satisfied: number | null;
  share: number | null;
  ci95: [number, number] | null;
  mean: number | null;
  suppressed: boolean;
}

export function hide<T extends Hideable>(cell: T): T {
  return { ...cell, satisfied: null, share: null, ci95: null, mean: null, suppressed: true };
}

/**
 * Adds complementary suppression to cells that already carry primary suppression. `keepVisible` marks cells to
 * hide only when no other candidate is left (the trend's latest month, which the monthly e-mail leads with).
 */
export function complementSuppress<T extends Hideable>(cells: T[], k: number, keepVisible: (cell: T) => boolean = () => false): T[] {
  const out = [...cells];
  for (;;) {
    const hidden = out.filter((c) => c.suppressed);
    const hiddenN = hidden.reduce((sum, c) => sum + c.n, 0);
    if (hidden.length === 0 || (hidden.length > 1 && hiddenN >= k)) return out;
    let pick = -1;
    for (let i = 0; i < out.length; i++) {
      const c = out[i]!;
      if (c.suppressed || c.n === 0) continue;
      if (pick < 0) {
        pick = i;
        continue;
      }
      const best = out[pick]!;
      const rank = (x: T) => (keepVisible(x) ? 1 : 0);
      if (rank(c) < rank(best) || (rank(c) === rank(best) && c.n < best.n)) pick = i;
    }
    if (pick < 0) return out;
    out[pick] = hide(out[pick]!);
  }
}
