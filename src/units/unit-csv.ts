import { readCsvRecords, type RawRecord } from '../imports/csv-records';
import { MAX_ROW_ERRORS, RowErrors, type RowError } from '../imports/row-errors';

export { MAX_ROW_ERRORS, type RowError };
import { looksLikeFormula } from '../exports/formula-cells';
import { dayOf } from '../responses/period';
import type { SchoolLevel } from '../surveys/instrument.types';
import { changesUnit, lastChange } from './unit-history';
import { UNIT_TYPES, type Unit, type UnitType } from './unit.model';

/** A unit as its row says it is, from the day `validFrom` (YYYY-MM-DD) when the row gives one. */
export type ParsedUnit = Unit & { validFrom?: string };

export interface ParsedUnits {
  /** Parents before children. Empty whenever `errors` is not: an import is all or nothing. */
  units: ParsedUnit[];
  errors: RowError[];
}

export const UNIT_CSV_COLUMNS = ['code', 'name', 'type', 'level', 'district', 'parent'] as const;
/** Columns a file may add: the day the row takes effect, and the unit it merged into from that day. */
export const UNIT_CSV_OPTIONAL_COLUMNS = ['valid_from', 'merged_into'] as const;
const ALL_COLUMNS = [...UNIT_CSV_COLUMNS, ...UNIT_CSV_OPTIONAL_COLUMNS] as const;
type Column = (typeof ALL_COLUMNS)[number];
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const SCHOOL_LEVELS = ['mamnon', 'tieuhoc', 'thcs', 'thpt', 'gdtx'] as const satisfies readonly SchoolLevel[];
// Fails to compile when SchoolLevel gains a value this list lacks.
const levelsComplete: [Exclude<SchoolLevel, (typeof SCHOOL_LEVELS)[number]>] extends [never] ? true : false = true;
export const SCHOOL_LEVELS_COMPLETE = levelsComplete;

const CODE_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
// Names end up in exports and spreadsheets; text that a spreadsheet would run is refused at the door.
const FORMULA_MESSAGE =
  'Ô bắt đầu bằng =, +, -, @ (kể cả sau dấu ";" hoặc xuống dòng) sẽ thành công thức trong Excel / a cell starting with =, +, -, @ (also after a ";" or a line break) would become a spreadsheet formula';
const TYPES_NEEDING_LEVEL: readonly UnitType[] = ['school', 'center'];
const ROOT_TYPE: UnitType = 'department';

interface Row {
  line: number;
  unit: Omit<Unit, 'ancestors'>;
  validFrom?: string;
}

class ErrorList extends RowErrors<Column> {}

/**
 * Parses and validates a unit CSV against the units already stored. Pure: the caller loads `existing` and writes
 * the result. Parents resolve from the file first, then `existing`, so a file may move or rename stored units.
 * `today` (YYYY-MM-DD, Asia/Ho_Chi_Minh) bounds `valid_from`: a change dated later is refused, since the tree
 * applies what a file says at once.
 */
export function parseUnitsCsv(text: string, existing: ReadonlyMap<string, Unit>, today: string = dayOf(new Date())): ParsedUnits {
  const errors = new ErrorList();
  const records = readCsvRecords(text, (line, message) => {
    errors.add(line, message);
  });
  if (!records) return { units: [], errors: errors.items };

  const [header, ...body] = records;
  const columns = header ? readHeader(header.fields, errors) : undefined;
  if (!header) errors.add(1, 'Tệp trống hoặc thiếu dòng tiêu đề / the file is empty or has no header line');
  if (!columns) return { units: [], errors: errors.items };

  const rows = new Map<string, Row>();
  for (const record of body) {
    if (errors.full) break;
    const row = readRow(record, columns, errors, today);
    if (!row) continue;
    const first = rows.get(row.unit.code);
    if (first) {
      errors.add(row.line, `Mã đơn vị "${row.unit.code}" bị trùng với dòng ${first.line} / unit code "${row.unit.code}" duplicates row ${first.line}`, 'code');
    } else {
      rows.set(row.unit.code, row);
    }
  }

  checkParents(rows, existing, errors);
  checkMergers(rows, existing, errors);
  checkAfterHistory(rows, existing, errors);
  const ancestors = resolveAncestors(rows, existing, errors);
  if (errors.items.length > 0) return { units: [], errors: byRow(errors.items) };

  const units: ParsedUnit[] = [...rows.values()].map(({ unit, validFrom }) => ({
    ...unit,
    ancestors: ancestors.get(unit.code) ?? [],
    ...(validFrom ? { validFrom } : {}),
  }));
  // A parent's chain is a strict prefix of its child's, so sorting by depth puts parents first (stable: file order).
  units.sort((a, b) => a.ancestors.length - b.ancestors.length);
  return { units, errors: [] };
}

function byRow(errors: RowError[]): RowError[] {
  return [...errors].sort((a, b) => a.row - b.row);
}

/** Maps each known column to its index; any header problem stops parsing because no row can be read without it. */
function readHeader(fields: string[], errors: ErrorList): Map<Column, number> | undefined {
  const columns = new Map<Column, number>();
  const before = errors.items.length;
  fields.forEach((raw, index) => {
    const name = raw.toLowerCase();
    if (!isColumn(name)) {
      errors.add(1, `Cột "${raw}" không được hỗ trợ (chỉ dùng ${ALL_COLUMNS.join(', ')}) / unknown column "${raw}" (use ${ALL_COLUMNS.join(', ')})`);
    } else if (columns.has(name)) {
      errors.add(1, `Cột "${name}" bị lặp lại / column "${name}" appears more than once`, name);
    } else {
      columns.set(name, index);
    }
  });
  for (const column of UNIT_CSV_COLUMNS) {
    if (!columns.has(column)) errors.add(1, `Thiếu cột "${column}" trong dòng tiêu đề / the header lacks column "${column}"`, column);
  }
  return errors.items.length === before ? columns : undefined;
}

function isColumn(name: string): name is Column {
  return (ALL_COLUMNS as readonly string[]).includes(name);
}

/** Validates one row's own fields; returns it whenever its code is usable, so other rows may still name it as parent. */
function readRow(record: RawRecord, columns: Map<Column, number>, errors: ErrorList, today: string): Row | undefined {
  const { line, fields } = record;
  if (fields.length !== columns.size) {
    errors.add(line, `Dòng có ${fields.length} cột, tiêu đề có ${columns.size} / the row has ${fields.length} fields, the header has ${columns.size}`);
    return undefined;
  }
  const get = (column: Column): string => fields[columns.get(column) ?? -1] ?? '';
  const [code, name, type, level, district, parent, validFrom, mergedInto] = ALL_COLUMNS.map(get) as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];

  let codeOk = true;
  if (code === '') {
    errors.add(line, 'Thiếu mã đơn vị / unit code is required', 'code');
    codeOk = false;
  } else if (!CODE_PATTERN.test(code)) {
    errors.add(
      line,
      `Mã đơn vị "${code}" chỉ gồm chữ không dấu, số, "-", "_" và tối đa 40 ký tự / unit code "${code}" may only hold ASCII letters, digits, "-" and "_", up to 40 characters`,
      'code',
    );
    codeOk = false;
  }
  if (name === '') errors.add(line, 'Thiếu tên đơn vị / unit name is required', 'name');
  else if (name.length > 200) errors.add(line, 'Tên đơn vị dài quá 200 ký tự / unit name is longer than 200 characters', 'name');
  else if (looksLikeFormula(name)) errors.add(line, FORMULA_MESSAGE, 'name');

  const typeOk = isUnitType(type);
  if (!typeOk) {
    errors.add(line, `Loại đơn vị "${type}" không hợp lệ (${UNIT_TYPES.join(', ')}) / unknown unit type "${type}" (${UNIT_TYPES.join(', ')})`, 'type');
  }
  if (level !== '' && !isSchoolLevel(level)) {
    errors.add(line, `Cấp học "${level}" không hợp lệ (${SCHOOL_LEVELS.join(', ')}) / unknown school level "${level}" (${SCHOOL_LEVELS.join(', ')})`, 'level');
  } else if (level === '' && typeOk && TYPES_NEEDING_LEVEL.includes(type)) {
    errors.add(line, 'Trường học và trung tâm phải có cấp học / a school or center needs a level', 'level');
  }
  if (district.length > 100) errors.add(line, 'Tên huyện/thành phố dài quá 100 ký tự / district is longer than 100 characters', 'district');
  else if (looksLikeFormula(district)) errors.add(line, FORMULA_MESSAGE, 'district');
  if (parent === '' && mergedInto === '' && typeOk && type !== ROOT_TYPE) {
    errors.add(line, 'Thiếu mã đơn vị cha (chỉ Sở được để trống) / parent unit is required (only the department may have none)', 'parent');
  }
  if (validFrom !== '') checkDate(validFrom, today, line, errors);
  if (mergedInto !== '' && !CODE_PATTERN.test(mergedInto)) {
    errors.add(line, `Mã đơn vị sáp nhập "${mergedInto}" không hợp lệ / merged_into "${mergedInto}" is not a unit code`, 'merged_into');
  } else if (mergedInto !== '' && mergedInto === code) {
    errors.add(line, 'Đơn vị không thể sáp nhập vào chính nó / a unit cannot merge into itself', 'merged_into');
  }

  if (!codeOk) return undefined;
  // A bad type was reported above and the file will be rejected; the placeholder only lets other rows name this one.
  const unit: Omit<Unit, 'ancestors'> = { code, name, type: typeOk ? type : ROOT_TYPE };
  if (isSchoolLevel(level)) unit.level = level;
  if (district !== '') unit.district = district;
  if (parent !== '') unit.parentCode = parent;
  // A merged unit sits under the unit it joined: the parent column may keep its old parent, today's tree does not.
  if (mergedInto !== '' && mergedInto !== code) unit.parentCode = unit.mergedInto = mergedInto;
  return { line, unit, ...(validFrom !== '' ? { validFrom } : {}) };
}

/** A real calendar day, not after today. */
function checkDate(value: string, today: string, line: number, errors: ErrorList): void {
  const match = DATE_PATTERN.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== value) {
    errors.add(line, `Ngày hiệu lực "${value}" phải có dạng YYYY-MM-DD / valid_from "${value}" must be a date YYYY-MM-DD`, 'valid_from');
  } else if (value > today) {
    errors.add(
      line,
      `Ngày hiệu lực ${value} sau hôm nay (${today}): hãy nhập tệp từ ngày đó / valid_from ${value} is after today (${today}): import the file on or after that day`,
      'valid_from',
    );
  }
}

/** A change dated before the unit's last recorded change would rewrite its past: refused (unit-history.ts). */
function checkAfterHistory(rows: Map<string, Row>, existing: ReadonlyMap<string, Unit>, errors: ErrorList): void {
  for (const { line, unit, validFrom } of rows.values()) {
    const stored = existing.get(unit.code);
    const last = lastChange(stored);
    if (validFrom && last && validFrom < last && changesUnit(stored, unit)) {
      errors.add(
        line,
        `Ngày hiệu lực ${validFrom} trước thay đổi gần nhất của đơn vị (${last}) / valid_from ${validFrom} is before the unit's last recorded change (${last})`,
        'valid_from',
      );
    }
  }
}

/** A unit can only join a unit that is itself still open (as the file leaves it), or mergers would chain. */
function checkMergers(rows: Map<string, Row>, existing: ReadonlyMap<string, Unit>, errors: ErrorList): void {
  for (const { line, unit } of rows.values()) {
    if (!unit.mergedInto) continue;
    const target = rows.get(unit.mergedInto)?.unit ?? existing.get(unit.mergedInto);
    if (target?.mergedInto) {
      errors.add(
        line,
        `Đơn vị "${unit.mergedInto}" đã sáp nhập vào "${target.mergedInto}": hãy sáp nhập vào "${target.mergedInto}" / unit "${unit.mergedInto}" has itself merged into "${target.mergedInto}": merge into that one`,
        'merged_into',
      );
    }
  }
}

function isUnitType(value: string): value is UnitType {
  return (UNIT_TYPES as readonly string[]).includes(value);
}

function isSchoolLevel(value: string): value is SchoolLevel {
  return (SCHOOL_LEVELS as readonly string[]).includes(value);
}

function checkParents(rows: Map<string, Row>, existing: ReadonlyMap<string, Unit>, errors: ErrorList): void {
  for (const { line, unit } of rows.values()) {
    const parent = unit.parentCode;
    if (parent === undefined || rows.has(parent) || existing.has(parent)) continue;
    if (unit.mergedInto) errors.add(line, `Đơn vị sáp nhập "${parent}" không tồn tại / merged_into unit "${parent}" does not exist`, 'merged_into');
    else errors.add(line, `Mã đơn vị cha "${parent}" không tồn tại / parent unit "${parent}" does not exist`, 'parent');
  }
}

/**
 * Ancestors (root first) of every file row, walking parent links through the file, then the stored units.
 * Stored units are walked rather than trusting their stored `ancestors`, because the file may move one of their
 * ancestors, or close a cycle through them. Each unit is walked once (memoised), so this is linear.
 */
function resolveAncestors(rows: Map<string, Row>, existing: ReadonlyMap<string, Unit>, errors: ErrorList): Map<string, string[]> {
  const parentOf = (code: string): string | undefined => (rows.get(code)?.unit ?? existing.get(code))?.parentCode;
  const resolved = new Map<string, string[]>();
  const broken = new Set<string>();

  for (const [start, startRow] of rows) {
    if (resolved.has(start) || broken.has(start)) continue;
    const path = [start];
    const onPath = new Map([[start, 0]]);
    let base: string[] = [];
    for (let current = start; ;) {
      const parent = parentOf(current);
      // An unknown parent was reported by checkParents; end the chain there so other rows still resolve.
      if (parent === undefined || (!rows.has(parent) && !existing.has(parent))) break;
      const known = resolved.get(parent);
      if (known) {
        base = [...known, parent];
        break;
      }
      const seenAt = onPath.get(parent);
      if (seenAt !== undefined) {
        reportCycle(path.slice(seenAt), startRow, rows, errors);
        path.forEach((code) => broken.add(code));
        break;
      }
      if (broken.has(parent)) {
        path.forEach((code) => broken.add(code));
        break;
      }
      onPath.set(parent, path.length);
      path.push(parent);
      current = parent;
    }
    if (broken.has(start)) continue;
    for (let i = path.length - 1; i >= 0; i--) {
      const code = path[i] as string;
      resolved.set(code, base);
      base = [...base, code];
    }
  }
  return resolved;
}

function reportCycle(cycle: string[], start: Row, rows: Map<string, Row>, errors: ErrorList): void {
  const chain = [...cycle, cycle[0]].join(' → ');
  const message = `Quan hệ cha–con tạo thành vòng lặp: ${chain} / the parent chain forms a cycle: ${chain}`;
  const inFile = cycle.flatMap((code) => rows.get(code) ?? []);
  // A cycle made only of stored units (bad data already in the database) is still reported, on the row reaching it.
  for (const row of inFile.length > 0 ? inFile : [start]) errors.add(row.line, message, 'parent');
}
