import type { Response } from 'express';

/**
 * Blank form pages, rendered once and reused. A QR code at a parents' meeting sends hundreds of people to the same
 * link within minutes, and rendering the form (one EJS include per question) was most of the cost of each page
 * view (docs/benchmarks.md, B1). Everything on a blank form is fixed by the link, the survey version, the language
 * and the names shown, which make the key; only the one-time token differs, so it is rendered as a slot and filled
 * per request. Forms shown again with answers or errors are rendered normally.
 */
export const TOKEN_SLOT = 'HAILONG-FORM-TOKEN-SLOT';

export class FormPageCache {
  /** The page as encoded bytes before and after the slot. Map order is insertion order: first = least recently used. */
  private readonly pages = new Map<string, [Buffer, Buffer]>();

  constructor(private readonly maxPages = 300) {}

  /** The page for `key` with `token` in its slot, or undefined when it has not been rendered (yet, or any more). */
  cached(key: string, token: string): [Buffer, Buffer, Buffer] | undefined {
    const page = this.pages.get(key);
    if (page === undefined) return undefined;
    this.pages.delete(key);
    this.pages.set(key, page);
    // Bytes, not a string: encoding 20 KB of Vietnamese text to UTF-8 on every view showed up in the profile.
    return [page[0], Buffer.from(token), page[1]];
  }

  /**
   * The page for `key` (UTF-8) with `token` in its slot, rendering it with `renderBlank` on a miss: the cached
   * bytes before the slot, the token, the cached bytes after it. Written as three chunks, not joined: a fresh
   * 20 KB buffer per view (to be freed by the garbage collector) made the process grow by 200 MB under load.
   */
  async page(key: string, token: string, renderBlank: () => Promise<string>): Promise<[Buffer, Buffer, Buffer]> {
    const cached = this.cached(key, token);
    if (cached) return cached;
    const parts = (await renderBlank()).split(TOKEN_SLOT);
    // A template without exactly one slot (changed by someone) must not serve one token to everybody.
    if (parts.length !== 2) throw new Error('The blank form page must contain the token slot exactly once');
    const page: [Buffer, Buffer] = [Buffer.from(parts[0]!), Buffer.from(parts[1]!)];
    this.pages.set(key, page);
    if (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value!);
    return [page[0], Buffer.from(token), page[1]];
  }
}

/** `res.render` into a string (with the response's locals: language, translator, path). */
export function renderToString(res: Response, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    res.render(view, locals, (error: Error | null, html?: string) => {
      if (error) reject(error);
      else resolve(html ?? '');
    });
  });
}
