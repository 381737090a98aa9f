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
  /** Map order is insertion order: the first key is the least recently used. */
  private readonly pages = new Map<string, string>();

  constructor(private readonly maxPages = 300) {}

  /** The page for `key` with `token` in its slot, rendering it with `renderBlank` on a miss. */
  async page(key: string, token: string, renderBlank: () => Promise<string>): Promise<string> {
    let page = this.pages.get(key);
    if (page === undefined) {
      page = await renderBlank();
      // A template without exactly one slot (changed by someone) must not serve one token to everybody.
      if (page.split(TOKEN_SLOT).length !== 2) throw new Error('The blank form page must contain the token slot exactly once');
      this.pages.set(key, page);
      if (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value!);
    } else {
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    return page.replace(TOKEN_SLOT, token);
  }
}

/** `res.render` into a string (with the response's locals: language, translator, path). */
export function renderToString(res: Response, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => res.render(view, locals, (error: Error | null, html?: string) => (error ? reject(error) : resolve(html ?? ''))));
}
