import type { AnyBulkWriteOperation } from 'mongoose';
import { bulkWriteInChunks } from '../data/bulk-chunks';
import { dayOf } from '../responses/period';
import { parseUnitsCsv, type ParsedUnit, type RowError } from './unit-csv';
import { historyAfter, sameChain } from './unit-history';
import type { Unit, UnitModel } from './unit.model';

export interface UnitImportResult {
  imported: number;
  errors: RowError[];
  /** Units whose chain of ancestors the import changed (moved, merged, or below one that was): their answers' figures must follow (rechain.ts). */
  moved: number;
}

const OPTIONAL_FIELDS = ['level', 'district', 'parentCode', 'mergedInto', 'retiredFrom'] as const;

/**
 * Imports a unit CSV all or nothing: any row error and nothing is written.
 * There are no transactions (FerretDB v1), so consistency rests on validating everything in memory first and
 * then sending ordered bulkWrites (in small chunks, see db-bulk.ts) whose upserts are idempotent: if it fails midway, importing the same file
 * again finishes the job. Two imports running at once are not guarded against; imports are a rare admin task.
 */
export async function importUnits(Unit: UnitModel, csvText: string, now: Date = new Date()): Promise<UnitImportResult> {
  const stored = await Unit.find(
    {},
    { _id: 0, code: 1, name: 1, type: 1, level: 1, district: 1, parentCode: 1, ancestors: 1, mergedInto: 1, retiredFrom: 1, history: 1 },
  )
    .lean<Unit[]>()
    .exec();
  const existing = new Map(stored.map((unit) => [unit.code, normalize(unit)]));
  const today = dayOf(now);

  const { units, errors } = parseUnitsCsv(csvText, existing, today);
  if (errors.length > 0) return { imported: 0, errors, moved: 0 };
  if (units.length === 0) return { imported: 0, errors: [], moved: 0 };

  const rows = units.map((unit) => withHistory(unit, existing.get(unit.code), today));
  const descendants = descendantUpdates(units, existing);
  const moved = units.filter((unit) => existing.has(unit.code) && !sameChain(unit.ancestors, existing.get(unit.code)!.ancestors)).length + descendants.length;
  // Parents first (the parser's order), then the stored descendants whose chains changed.
  const operations = [...rows.map(upsert), ...descendants];
  await bulkWriteInChunks((chunk) => Unit.bulkWrite(chunk, { ordered: true }), operations);
  return { imported: units.length, errors: [], moved };
}

/**
 * The unit as it is stored after its row: its history (unit-history.ts) and, for a merger, the day it took effect,
 * kept from what is stored when the merger is the same, so a re-import the next day changes nothing.
 */
function withHistory(row: ParsedUnit, stored: Unit | undefined, today: string): Unit {
  const { validFrom, ...unit } = row;
  const from = validFrom ?? today;
  const history = historyAfter(stored, unit, from);
  const retiredFrom = unit.mergedInto ? ((stored?.mergedInto === unit.mergedInto && !validFrom ? stored.retiredFrom : undefined) ?? from) : undefined;
  return { ...unit, history, ...(retiredFrom ? { retiredFrom } : {}) };
}

/** Documents written by hand or by older code may hold nulls or lack `ancestors`; the parser expects a clean Unit. */
function normalize(stored: Unit): Unit {
  const unit: Unit = { code: stored.code, name: stored.name, type: stored.type, ancestors: stored.ancestors ?? [] };
  if (stored.level) unit.level = stored.level;
  if (stored.district) unit.district = stored.district;
  if (stored.parentCode) unit.parentCode = stored.parentCode;
  if (stored.mergedInto) unit.mergedInto = stored.mergedInto;
  if (stored.retiredFrom) unit.retiredFrom = stored.retiredFrom;
  if (stored.history?.length) unit.history = stored.history;
  return unit;
}

function upsert(unit: Unit): AnyBulkWriteOperation<Unit> {
  const { code, name, type, ancestors, level, district, parentCode, mergedInto, retiredFrom, history } = unit;
  const fields: Partial<Unit> = { name, type, ancestors, level, district, parentCode, mergedInto, retiredFrom, history };
  // The file is the truth for its rows: an emptied cell clears what was stored.
  const cleared = new Set<string>(OPTIONAL_FIELDS.filter((field) => fields[field] === undefined));
  const set = Object.fromEntries(Object.entries(fields).filter(([field]) => !cleared.has(field)));
  const unset = Object.fromEntries([...cleared].map((field) => [field, ''] as const));
  const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
  return { updateOne: { filter: { code }, update, upsert: true } };
}

/**
 * Stored units outside the file keep their parent but inherit any move above them: their chain becomes the nearest
 * file unit's new chain plus their own tail below it. Compared against what is stored rather than against "was it
 * moved", so a re-run after a half-finished write still repairs them. Computed from the units already loaded, so
 * no extra query (and no `$in` on an array field) is needed.
 */
function descendantUpdates(units: Unit[], existing: ReadonlyMap<string, Unit>): AnyBulkWriteOperation<Unit>[] {
  const fileChains = new Map(units.map((unit) => [unit.code, unit.ancestors]));
  const operations: AnyBulkWriteOperation<Unit>[] = [];
  for (const unit of existing.values()) {
    if (fileChains.has(unit.code)) continue;
    const nearest = findLastIndex(unit.ancestors, (code) => fileChains.has(code));
    if (nearest < 0) continue;
    const pivot = unit.ancestors[nearest] as string;
    const ancestors = [...(fileChains.get(pivot) ?? []), ...unit.ancestors.slice(nearest)];
    if (sameChain(ancestors, unit.ancestors)) continue;
    operations.push({ updateOne: { filter: { code: unit.code }, update: { $set: { ancestors } } } });
  }
  return operations;
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i] as T)) return i;
  return -1;
}
