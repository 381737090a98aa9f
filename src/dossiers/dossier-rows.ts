import type { RawRecord } from '../imports/csv-records';
import { RowErrors, type RowError } from '../imports/row-errors';
import { normalizeDossierCode } from '../responses/hashing';
import { parseDossierDate } from './dossier-dates';
import { DOSSIER_CHANNELS, type DossierChannel, type DossierDoc } from './dossier.model';

/** The columns of the one-stop system's export, in any order (issue 15). */
export const DOSSIER_COLUMNS = [
  'dossier_code',
  'procedure_code',
  'procedure_name',
  'unit_code',
  'received_at',
  'due_at',
  'returned_at',
  'channel',
  'apology_sent',
] as const;
/** Columns a file may have (issue #28); without them a dossier's stored values, if any, stay as they were. */
export const OPTIONAL_DOSSIER_COLUMNS = ['paid_online', 'digitised', 'complaint'] as const;
type Column = (typeof DOSSIER_COLUMNS)[number] | (typeof OPTIONAL_DOSSIER_COLUMNS)[number];
const KNOWN_COLUMNS: readonly string[] = [...DOSSIER_COLUMNS, ...OPTIONAL_DOSSIER_COLUMNS];

/** A valid row: the stored fields, with its line and its code still in clear (the import hashes it, never stores it). */
export type DossierRow = Omit<DossierDoc, '_id' | 'firstImportedAt'> & { line: number; code: string };

export interface ParsedDossiers {
  /** Empty whenever `errors` is not: an import is all or nothing. */
  dossiers: DossierRow[];
  errors: RowError[];
}

// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '': false };

/**
 * Validates the records of a dossier file (header first) against the units that exist. Pure: the caller reads
 * the file (dossier-file.ts) and writes the result (dossier-import.ts).
 */
export function parseDossierRecords(records: RawRecord[], unitCodes: ReadonlySet<string>): ParsedDossiers {
  const errors = new RowErrors<Column>();
  const [header, ...rows] = records;
  if (!header) {
    errors.add(1, 'Tệp trống / the file is empty');
    return { dossiers: [], errors: errors.items };
  }
  const columns = readHeader(header, errors);
  if (!columns) return { dossiers: [], errors: errors.items };
  const dossiers: DossierRow[] = [];
  const seen = new Map<string, number>();
  for (const record of rows) {
    if (errors.full) break;
    const row = readRow(record, columns, unitCodes, errors);
    if (!row) continue;
    const key = normalizeDossierCode(row.code);
    const first = seen.get(key);
    if (first !== undefined) {
      errors.add(row.line, `Mã hồ sơ đã có ở dòng ${first} / the dossier code is already on row ${first}`, 'dossier_code');
      continue;
    }
    seen.set(key, row.line);
    dossiers.push(row);
  }
  return errors.items.length ? { dossiers: [], errors: errors.items } : { dossiers, errors: [] };
}

function readHeader(record: RawRecord, errors: RowErrors<Column>): Map<Column, number> | undefined {
  const columns = new Map<Column, number>();
  record.fields.forEach((name, index) => {
    const column = name.trim().toLowerCase() as Column;
    if (!KNOWN_COLUMNS.includes(column)) errors.add(record.line, `Cột không biết: "${name.slice(0, 40)}" / unknown column "${name.slice(0, 40)}"`);
    else if (columns.has(column)) errors.add(record.line, `Cột "${column}" lặp lại / the column "${column}" appears twice`);
    else columns.set(column, index);
  });
  const missing = DOSSIER_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length) errors.add(record.line, `Thiếu cột: ${missing.join(', ')} / missing columns: ${missing.join(', ')}`);
  return errors.items.length ? undefined : columns;
}

function readRow(record: RawRecord, columns: Map<Column, number>, unitCodes: ReadonlySet<string>, errors: RowErrors<Column>): DossierRow | undefined {
  const { line, fields } = record;
  const get = (column: Column) => (fields[columns.get(column)!] ?? '').trim();
  const before = errors.items.length;
  const text = (column: Column, max: number) => {
    const value = get(column);
    if (!value) errors.add(line, 'Không được để trống / required', column);
    else if (value.length > max || CONTROL.test(value))
      errors.add(line, `Tối đa ${max} ký tự, không ký tự điều khiển / at most ${max} characters, no control characters`, column);
    return value;
  };
  const date = (column: Column, dateAlone: 'start' | 'end', required: boolean) => {
    const value = get(column);
    if (!value && !required) return undefined;
    const parsed = value ? parseDossierDate(value, dateAlone) : undefined;
    if (!parsed) errors.add(line, `Ngày không hợp lệ "${value.slice(0, 30)}" (ISO 8601: 2026-03-14 hoặc 2026-03-14T09:30) / not an ISO 8601 date`, column);
    return parsed;
  };

  const code = text('dossier_code', 64);
  const procedureCode = text('procedure_code', 64);
  const procedureName = text('procedure_name', 300);
  const unitCode = get('unit_code');
  if (!unitCodes.has(unitCode)) errors.add(line, `Không có đơn vị mã "${unitCode.slice(0, 40)}" / unknown unit`, 'unit_code');
  const receivedAt = date('received_at', 'start', true);
  const dueAt = date('due_at', 'end', true);
  const returnedAt = date('returned_at', 'start', false);
  if (receivedAt && dueAt && dueAt < receivedAt) errors.add(line, 'Ngày hẹn trả trước ngày tiếp nhận / due before received', 'due_at');
  if (receivedAt && returnedAt && returnedAt < receivedAt) errors.add(line, 'Ngày trả trước ngày tiếp nhận / returned before received', 'returned_at');
  const channel = get('channel').toLowerCase();
  if (!(DOSSIER_CHANNELS as readonly string[]).includes(channel))
    errors.add(line, `Kênh phải là ${DOSSIER_CHANNELS.join(', ')} / channel must be one of ${DOSSIER_CHANNELS.join(', ')}`, 'channel');
  const apology = BOOLEANS[get('apology_sent').toLowerCase()];
  if (apology === undefined) errors.add(line, 'Phải là true hoặc false / must be true or false', 'apology_sent');

  const optional = optionalFields(get, columns, line, errors);

  if (errors.items.length > before) return undefined;
  return {
    line,
    code,
    procedureCode,
    procedureName,
    unitCode,
    receivedAt: receivedAt!,
    dueAt: dueAt!,
    ...(returnedAt ? { returnedAt } : {}),
    channel: channel as DossierChannel,
    apologySent: apology!,
    ...optional,
  };
}

/**
 * The optional columns the file has: `paid_online` true, false, or empty when the procedure has no fee (null);
 * `digitised` and `complaint` true or false, empty meaning false as for `apology_sent`. A column the file lacks
 * gives no field, so the stored value stays.
 */
function optionalFields(
  get: (column: Column) => string,
  columns: Map<Column, number>,
  line: number,
  errors: RowErrors<Column>,
): Pick<DossierDoc, 'paidOnline' | 'digitised' | 'complaint'> {
  const fields: Pick<DossierDoc, 'paidOnline' | 'digitised' | 'complaint'> = {};
  const flag = (column: Column) => {
    const value = BOOLEANS[get(column).toLowerCase()];
    if (value === undefined) errors.add(line, 'Phải là true, false hoặc để trống / must be true, false or empty', column);
    return value;
  };
  if (columns.has('paid_online')) fields.paidOnline = get('paid_online') === '' ? null : flag('paid_online');
  if (columns.has('digitised')) fields.digitised = flag('digitised');
  if (columns.has('complaint')) fields.complaint = flag('complaint');
  return fields;
}
