import zlib from 'node:zlib';
import mongoose from 'mongoose';
import { addIncrements, type Increment } from '../figures/counters';
import { cellKey, cellWrites, type DocWrite, type FigureCell } from '../figures/fan-out';
import type { ById } from '../data/by-id';

/**
 * What one projector batch writes, decided once before any of it is written (plan-batch.ts) and stored with the
 * batch (projector-state.ts), so that whoever finishes the batch after a crash writes exactly the same thing.
 * Writes are merged per target document: a hundred answers to one school and month are one change of each
 * figure document and one change of each list document, not a hundred.
 */
export interface DocChange {
  inc?: Increment;
  set?: Record<string, unknown>;
  unset?: string[];
  /** fields a document starts with when this change creates it */
  create?: Record<string, unknown>;
  /** change the document only if it exists (never create it) */
  existing?: true;
}

/** A packed figure document's share (figures/figure.model.ts): counts to add, fields to set, what a new one starts with. */
export type FigureChange = Pick<DocWrite, 'inc' | 'set' | 'setOnInsert'>;

export interface Plan {
  /** figure documents by `_id` (packed counters: read, added to, written back) */
  figures: Record<string, FigureChange>;
  /** other documents, by collection and `_id`, changed in place or created */
  docs: Record<string, Record<string, DocChange>>;
  /** documents inserted once, by collection (follow-up cases, contacts, dossier claims, audit entries) */
  inserts: Record<string, Array<ById>>;
}

/** Builds a plan from many changes, merging them per document in the order they are made. */
export class PlanBuilder {
  private readonly figures = new Map<string, FigureChange>();
  /** answers' counts summed per cell (unit, month, survey, chains...) before they are fanned out to the scopes */
  private readonly cells = new Map<string, { cell: FigureCell; leaf: Increment; scale: number }>();

  /** Adds one answer's leaf counts (or takes them out, negative) in its cell. */
  addLeaf(cell: FigureCell, leaf: Increment, scale: number): void {
    const key = cellKey(cell, scale);
    const current = this.cells.get(key);
    if (current) addIncrements(current.leaf, leaf);
    else this.cells.set(key, { cell, leaf: { ...leaf }, scale });
  }
  private readonly docs = new Map<string, Map<string, DocChange>>();
  private readonly inserts = new Map<string, Map<string, ById>>();

  addFigures(writes: readonly DocWrite[]): void {
    for (const write of writes) {
      const current = this.figures.get(write.id);
      if (!current) this.figures.set(write.id, { inc: { ...write.inc }, set: { ...write.set }, setOnInsert: { ...write.setOnInsert } });
      else {
        addIncrements(current.inc, write.inc);
        Object.assign(current.set, write.set);
      }
    }
  }

  private change(collection: string, id: string): DocChange {
    let byId = this.docs.get(collection);
    if (!byId) this.docs.set(collection, (byId = new Map<string, DocChange>()));
    let change = byId.get(id);
    if (!change) byId.set(id, (change = {}));
    return change;
  }

  inc(collection: string, id: string, inc: Increment, create?: Record<string, unknown>): void {
    const change = this.change(collection, id);
    change.inc = addIncrements(change.inc ?? {}, inc);
    if (create) change.create = { ...create, ...change.create };
  }

  set(collection: string, id: string, values: Record<string, unknown>, options: { existing?: boolean } = {}): void {
    const change = this.change(collection, id);
    change.set = { ...change.set, ...values };
    if (change.unset) change.unset = change.unset.filter((path) => !(path in values));
    if (options.existing) change.existing = true;
  }

  unset(collection: string, id: string, paths: readonly string[], options: { existing?: boolean } = {}): void {
    const change = this.change(collection, id);
    change.unset = [...new Set([...(change.unset ?? []), ...paths])];
    if (change.set) change.set = Object.fromEntries(Object.entries(change.set).filter(([path]) => !paths.includes(path)));
    if (options.existing) change.existing = true;
  }

  /** Inserted once: a second insert of the same `_id` in a batch is the same document (the later wins). */
  insert(collection: string, doc: ById): void {
    let byId = this.inserts.get(collection);
    if (!byId) this.inserts.set(collection, (byId = new Map<string, ById>()));
    byId.set(doc._id, doc);
  }

  build(): Plan {
    for (const { cell, leaf, scale } of this.cells.values()) this.addFigures(cellWrites(cell, leaf, scale));
    this.cells.clear();
    const nonZero = (inc: Increment = {}) => Object.fromEntries(Object.entries(inc).filter(([, n]) => n !== 0));
    const figures: Plan['figures'] = {};
    for (const [id, change] of this.figures) {
      const inc = nonZero(change.inc);
      if (Object.keys(inc).length) figures[id] = { ...change, inc };
    }
    const docs: Plan['docs'] = {};
    for (const [collection, byId] of this.docs) {
      for (const [id, change] of byId) {
        const inc = nonZero(change.inc);
        const kept: DocChange = {
          ...(Object.keys(inc).length ? { inc } : {}),
          ...(change.set && Object.keys(change.set).length ? { set: change.set } : {}),
          ...(change.unset?.length ? { unset: change.unset } : {}),
        };
        if (!Object.keys(kept).length) continue;
        (docs[collection] ??= {})[id] = {
          ...kept,
          ...(change.create ? { create: change.create } : {}),
          ...(change.existing && !kept.inc ? { existing: true } : {}),
        };
      }
    }
    const inserts: Plan['inserts'] = {};
    // In the order of their ids, not of arrival: a dossier claim's place among the claims must not tell its answer.
    for (const [collection, byId] of this.inserts) inserts[collection] = [...byId.values()].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    return { figures, docs, inserts };
  }
}

/**
 * A plan as stored: extended JSON (dates stay dates), deflated, base64, behind `p1:`. One string costs FerretDB about
 * as much as one number to decode, whatever it holds, where the same plan as a document would be thousands of values.
 */
const PACKED = 'p1:';
const { EJSON } = mongoose.mongo.BSON;

export const packPlan = (plan: Plan): string => PACKED + zlib.deflateRawSync(EJSON.stringify(plan, { relaxed: true }), { level: 1 }).toString('base64');

export function unpackPlan(packed: string): Plan {
  if (!packed.startsWith(PACKED)) throw new Error('projector: a batch plan in an unknown format');
  return EJSON.parse(zlib.inflateRawSync(Buffer.from(packed.slice(PACKED.length), 'base64')).toString(), { relaxed: true }) as Plan;
}

/** How many documents a plan writes, by collection (the batch's debug log line: where the writer's time goes). */
export function planSize(plan: Plan): Record<string, number> {
  const size: Record<string, number> = { figures: Object.keys(plan.figures).length };
  for (const [name, changes] of Object.entries(plan.docs)) {
    const key = name.replace(/\d{8}$/, '*'); // a day's address counts
    size[key] = (size[key] ?? 0) + Object.keys(changes).length;
  }
  for (const [name, docs] of Object.entries(plan.inserts)) size[`+${name}`] = docs.length;
  return size;
}

export const isEmptyPlan = (plan: Plan) => !Object.keys(plan.figures).length && !Object.keys(plan.docs).length && !Object.keys(plan.inserts).length;
