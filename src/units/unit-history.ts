import type { Unit, UnitVersion } from './unit.model';

/**
 * A unit's history: each version (its name, parent and merger) with the day it took effect, oldest first. Today's
 * fields (`name`, `parentCode`, `mergedInto`) are always the last version: a file row dated earlier than the last
 * recorded change is refused (unit-csv.ts), so history is only ever appended to or its last version corrected.
 * A unit stored before history was kept gets its state then as a first version from "" (since before any record).
 */
export const SINCE_ALWAYS = '';

const versionOf = (unit: Pick<Unit, 'name' | 'parentCode' | 'mergedInto'>, from: string): UnitVersion => ({
  from,
  name: unit.name,
  ...(unit.parentCode ? { parentCode: unit.parentCode } : {}),
  ...(unit.mergedInto ? { mergedInto: unit.mergedInto } : {}),
});

const sameVersion = (a: Omit<UnitVersion, 'from'>, b: Omit<UnitVersion, 'from'>) =>
  a.name === b.name && (a.parentCode ?? '') === (b.parentCode ?? '') && (a.mergedInto ?? '') === (b.mergedInto ?? '');

/** Whether the row changes the unit's name, parent or merger (a new unit always does). */
export const changesUnit = (stored: Unit | undefined, row: Pick<Unit, 'name' | 'parentCode' | 'mergedInto'>): boolean =>
  !stored || !sameVersion(versionOf(stored, SINCE_ALWAYS), versionOf(row, SINCE_ALWAYS));

/** The day of the unit's last recorded change, if any. */
export const lastChange = (stored: Unit | undefined): string | undefined => stored?.history?.at(-1)?.from;

/**
 * The history after a row is applied: unchanged when the row changes nothing (so importing a file twice writes the
 * same), else the row's version appended from `from`, replacing a last version of the same day.
 */
export function historyAfter(stored: Unit | undefined, row: Pick<Unit, 'name' | 'parentCode' | 'mergedInto'>, from: string): UnitVersion[] {
  const before = stored ? (stored.history?.length ? stored.history : [versionOf(stored, SINCE_ALWAYS)]) : [];
  if (stored && !changesUnit(stored, row)) return stored.history ?? [];
  const kept = before.at(-1)?.from === from ? before.slice(0, -1) : before;
  return [...kept, versionOf(row, from)];
}

/** The version of a unit in force on a day (YYYY-MM-DD), or undefined before its first. */
export function versionOn(unit: Unit, day: string): UnitVersion | undefined {
  const history = unit.history?.length ? unit.history : [versionOf(unit, SINCE_ALWAYS)];
  let found: UnitVersion | undefined;
  for (const version of history) if (version.from <= day) found = version;
  return found;
}

/**
 * The chain of units above `code` (root first) as the tree was on `day`, each unit's parent taken from its version
 * in force that day (its first version when it was recorded only later). Units no longer stored end the chain.
 */
export function chainOn(units: ReadonlyMap<string, Unit>, code: string, day: string): string[] {
  const chain: string[] = [];
  const seen = new Set([code]);
  for (let unit = units.get(code); unit;) {
    const parent = (versionOn(unit, day) ?? unit.history?.[0] ?? unit).parentCode;
    if (!parent || seen.has(parent)) break;
    chain.unshift(parent);
    seen.add(parent);
    unit = units.get(parent);
  }
  return chain;
}

/** Whether two chains of unit codes are the same, in the same order. */
export const sameChain = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((code, i) => code === b[i]);
