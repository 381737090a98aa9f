import { figuresJson, figuresOfJson, type FigureData, type FigureDoc } from './figure.model';

/**
 * Figure documents decoded for reading, kept by `_id` together with the packed string they were decoded from.
 *
 * Why: a figures request reads a month's packed counters whole, and at 1M answers a province's month is about
 * 120 kB of JSON (its blanks document 340 kB): inflating and parsing the 12 months of a year took a quarter of the
 * request's CPU, and most of its garbage (docs/benchmarks.md, B3 at 1M). Past months seldom change, so the same
 * strings come back request after request.
 *
 * Why it is exact: an entry is used only when the string just read from the database equals the one it was decoded
 * from, so it is a memo of a pure function, never a copy of the figures: every request still reads the current
 * documents by `_id`, and every instance sees the same figures whatever its memo holds. A changed month is decoded
 * again on its next read.
 *
 * Bounded: at most BUDGET bytes of heap in all, counted as HEAP_PER_CHAR per character of JSON, the least recently
 * used dropped first. A province's year at 1M answers (12 months of 120 kB) takes about 8 MB; its blanks documents,
 * read only where a question needs them, 1.8 MB a month. Shared between requests, so what it returns is deeply
 * frozen: a reader that tried to change it would throw (modules are strict) instead of changing every later
 * request's figures. Writers (the projector, the rebuild) decode their own copy with unpackFigures.
 */
const BUDGET = 32 * 1024 * 1024;
/** Heap bytes per character of a figure document's JSON once parsed: 5.2 measured over the 48 documents of a province at 1M. */
const HEAP_PER_CHAR = 6;

interface Entry {
  data: string;
  figures: FigureData;
  size: number;
}

const entries = new Map<string, Entry>();
let held = 0;

export function decodedFigures(doc: Pick<FigureDoc, '_id' | 'data'>): FigureData {
  const known = entries.get(doc._id);
  if (known && known.data === doc.data) {
    // Most recently used last: Map keeps insertion order, so the first entry is the one to drop.
    entries.delete(doc._id);
    entries.set(doc._id, known);
    return known.figures;
  }
  const json = figuresJson(doc);
  const figures = deepFreeze(figuresOfJson(json));
  const size = json.length * HEAP_PER_CHAR;
  forget(doc._id);
  if (size <= BUDGET) {
    entries.set(doc._id, { data: doc.data, figures, size });
    held += size;
    for (const [id] of entries) {
      if (held <= BUDGET) break;
      forget(id);
    }
  }
  return figures;
}

function forget(id: string): void {
  const entry = entries.get(id);
  if (!entry) return;
  entries.delete(id);
  held -= entry.size;
}

/** How much the memo holds (for its tests). */
export const decodedHeld = () => ({ entries: entries.size, size: held });

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
