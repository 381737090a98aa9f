import { readCsvRecords, type RawRecord } from '../imports/csv-records';
import type { RowError } from '../imports/row-errors';
import { checkZipBounds, type ZipLimits } from '../imports/zip-bounds';

/**
 * What an XLSX may unpack to: a year of a province's dossiers is tens of thousands of rows, some MB of sheet XML.
 * exceljs keeps every cell as an object (about 1 kB a row here), so the rows bound its memory.
 */
export const XLSX_LIMITS: ZipLimits = { maxEntries: 100, maxTotalBytes: 64 * 1024 * 1024, maxRows: 100_000 };

/** The XLSX signature (a zip file): anything else is read as CSV text. */
const isZip = (bytes: Buffer) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/**
 * The records of a dossier file: CSV (UTF-8, with or without BOM, `,` or `;`) or XLSX (its first worksheet), told
 * apart by content, not by name. An XLSX date cell holds no time zone: its wall-clock time is read as
 * Asia/Ho_Chi_Minh, as a typed date would be.
 */
export async function readDossierFile(bytes: Buffer): Promise<{ records: RawRecord[]; errors: RowError[] }> {
  const errors: RowError[] = [];
  if (!isZip(bytes)) {
    const records = readCsvRecords(bytes.toString('utf8'), (row, message) => errors.push({ row, message }));
    return { records: records ?? [], errors };
  }
  // Bounded before exceljs, which inflates the whole workbook first (zip-bounds.ts).
  const bounds = checkZipBounds(bytes, XLSX_LIMITS);
  if (!bounds.ok) return { records: [], errors: [{ row: 1, message: bounds.message }] };
  // Loaded here, not at start: exceljs holds about 35 MB of RSS that an instance never reading a workbook does not need.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    // Type escape: exceljs's typings declare their own `Buffer`, which Node's `Buffer<ArrayBufferLike>` does not
    // match; at run time exceljs reads a Node Buffer (its own tests pass one).
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    return { records: [], errors: [{ row: 1, message: 'Tệp XLSX hỏng hoặc không đọc được / the XLSX file is damaged or unreadable' }] };
  }
  const sheet = workbook.worksheets[0];
  const records: RawRecord[] = [];
  sheet?.eachRow({ includeEmpty: false }, (row, line) => {
    const values = (row.values as unknown[]).slice(1);
    const fields = values.map(cellText);
    if (fields.some((field) => field !== '')) records.push({ line, fields });
  });
  return { records, errors };
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, value.getUTCHours() || value.getUTCMinutes() || value.getUTCSeconds() ? 19 : 10);
  if (typeof value === 'object') {
    const cell = value as { text?: unknown; result?: unknown; richText?: { text: string }[] };
    if (cell.richText)
      return cell.richText
        .map((part) => part.text)
        .join('')
        .trim();
    if (cell.result !== undefined) return cellText(cell.result);
    if (cell.text !== undefined) return cellText(cell.text);
    return '';
  }
  return (typeof value === 'string' ? value : JSON.stringify(value)).trim();
}
