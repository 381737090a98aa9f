/**
 * Rendered QR images by (code, format), least recently used dropped first. Harmless to keep: an image depends
 * only on the code, the link's channel and PUBLIC_BASE_URL, none of which change while the process runs. Values are
 * promises, so a burst of requests for one code renders it once; a failed render (unknown code) is not kept.
 */
export class QrImageCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly maxEntries = 500) {}

  get size(): number {
    return this.entries.size;
  }

  getOrRender(key: string, render: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Re-inserted: a Map iterates in insertion order, so the first key is always the least recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const rendered = render();
    this.entries.set(key, rendered);
    rendered.catch(() => {
      if (this.entries.get(key) === rendered) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return rendered;
  }
}
