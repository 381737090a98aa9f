import { defuseFormulas } from './formula-cells';

export type CellValue = string | number | boolean | null | undefined | Date;

export interface Column<Row> {
  header: string;
  value: (row: Row) => CellValue;
}

// Excel reads a BOM-less file in the machine's ANSI code page and mangles Vietnamese diacritics.
const BOM = '\uFEFF';
const CRLF = '\r\n';
// ';' too: where it is the list separator (Vietnamese Excel), a quoted field at least stays one cell.
const NEEDS_QUOTES = /[",;\r\n]/;

/** Builds a whole CSV document: BOM, CRLF after every record, RFC 4180 quoting, formula-looking text defused (formula-cells.ts). */
export function toCsv<Row>(rows: Iterable<Row>, columns: Column<Row>[]): string {
  const lines = [csvHead(columns)];
  for (const row of rows) lines.push(csvRecord(row, columns));
  return lines.join('');
}

/** The start of a CSV document: the BOM and the header record (csv-stream.ts writes the records after it). */
export const csvHead = <Row>(columns: Column<Row>[]) => BOM + columns.map((column) => textField(column.header)).join(',') + CRLF;

/** One record with its CRLF. */
export const csvRecord = <Row>(row: Row, columns: Column<Row>[]) => columns.map((column) => field(column.value(row))).join(',') + CRLF;

function field(value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return textField(value);
}

function textField(text: string): string {
  const safe = defuseFormulas(text);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

// A number is never prefixed, so "-3" stays a number in Excel. String() switches to exponent notation for very
// large or small values (1e21, 1e-7), which is spelled out as plain decimals. NaN and Infinity have no cell form.
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  const plain = String(value);
  if (!plain.includes('e')) return plain;
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}
