/** `?page=`: a whole number from 1; anything else (junk, huge, negative) is page 1. */
export function parsePage(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

/** Links to the previous and next page with the same filter (only the filter's own, already validated, values). */
export function pageLinks(path: string, filter: Record<string, string | undefined>, page: number, pages: number): { previous?: string; next?: string } {
  const href = (p: number) => {
    const params = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1])));
    params.set('page', String(p));
    return `${path}?${params.toString()}`;
  };
  return { ...(page > 1 ? { previous: href(Math.min(page - 1, pages)) } : {}), ...(page < pages ? { next: href(page + 1) } : {}) };
}
