import { readStamp, stampModel } from '../stamps';
import type { Unit, UnitModel } from './unit.model';
import { UNITS_STAMP } from './unit.model';

/**
 * Every unit, read once and kept while the units' change stamp stays the same. The figures, the exports and the
 * admin pages all need unit names and trees; on FerretDB v1 reading the 500 units of a province costs tens of
 * milliseconds, about half of a dashboard's time (docs/benchmarks.md, B3), while the stamp is one read by `_id`.
 * Every unit write bumps the stamp (unit.model.ts), so no instance serves units older than its last read of it.
 * Callers must not modify the units.
 */
interface Directory {
  stamp: number;
  units: readonly Unit[];
  byCode: ReadonlyMap<string, Unit>;
}

const directories = new WeakMap<UnitModel, Promise<Directory>>();

async function directory(Unit: UnitModel): Promise<Directory> {
  const { reset: stamp } = await readStamp(stampModel(Unit.db), UNITS_STAMP);
  const cached = directories.get(Unit);
  if (cached && (await cached.catch(() => null))?.stamp === stamp) return cached;
  // Read after the stamp: what is read is at least as new as the stamp says.
  const read = Unit.find()
    .sort({ code: 1 })
    .lean<Unit[]>()
    .then((units) => ({ stamp, units, byCode: new Map(units.map((u) => [u.code, u])) }));
  directories.set(Unit, read);
  // A failed read (database down) must not stay cached.
  read.catch(() => directories.get(Unit) === read && directories.delete(Unit));
  return read;
}

/** Every unit, by code. */
export const allUnits = async (Unit: UnitModel): Promise<readonly Unit[]> => (await directory(Unit)).units;

/** Units by code. */
export const unitsByCode = async (Unit: UnitModel): Promise<ReadonlyMap<string, Unit>> => (await directory(Unit)).byCode;
