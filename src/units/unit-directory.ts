import type { Unit, UnitModel } from './unit.model';
import { unitWriteCount } from './unit.model';

/**
 * Every unit, read once and kept. The figures, the exports and the admin pages all need unit names and trees; on
 * FerretDB v1 reading the 500 units of a province costs tens of milliseconds per request, about half of a
 * dashboard's time (docs/benchmarks.md, B3). Units change only by import or seeding: a write through the model in
 * this process drops the copy at once, another instance's write within `TTL_MS`. Callers must not modify the units.
 */
const TTL_MS = 60_000;

interface Directory {
  readAt: number;
  writes: number;
  units: readonly Unit[];
  byCode: ReadonlyMap<string, Unit>;
}

const directories = new WeakMap<UnitModel, Promise<Directory>>();

function directory(Unit: UnitModel): Promise<Directory> {
  const now = Date.now();
  const cached = directories.get(Unit);
  const fresh = cached?.then((d) => d.writes === unitWriteCount() && now - d.readAt < TTL_MS, () => false);
  return (fresh ?? Promise.resolve(false)).then((ok) => {
    if (ok) return cached!;
    const writes = unitWriteCount();
    const read = Unit.find()
      .sort({ code: 1 })
      .lean<Unit[]>()
      .then((units) => ({ readAt: now, writes, units, byCode: new Map(units.map((u) => [u.code, u])) }));
    directories.set(Unit, read);
    // A failed read (database down) must not stay cached.
    read.catch(() => directories.get(Unit) === read && directories.delete(Unit));
    return read;
  });
}

/** Every unit, by code. */
export const allUnits = async (Unit: UnitModel): Promise<readonly Unit[]> => (await directory(Unit)).units;

/** Units by code. */
export const unitsByCode = async (Unit: UnitModel): Promise<ReadonlyMap<string, Unit>> => (await directory(Unit)).byCode;
