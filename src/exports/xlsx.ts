import type ExcelJS from 'exceljs';
import { loadExcelJs } from './exceljs';

export type SheetValue = string | number | boolean | Date | null | undefined;

export interface Sheet {
  name: string;
  columns: { header: string; key: string; width?: number; numFmt?: string }[];
  rows: Record<string, SheetValue>[];
}

const MAX_SHEET_NAME = 31;
// Without a format exceljs shows dates as US 'mm-dd-yy', which Vietnamese readers take as dd-mm.
export const DEFAULT_DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/**
 * Builds an .xlsx workbook. Text always goes in as a plain string cell: exceljs only writes a formula for a
 * `{ formula }` object, so '=1+1' typed by a respondent is never evaluated.
 */
export async function toXlsx(sheets: Sheet[], meta?: { title?: string; creator?: string }): Promise<Buffer> {
  const workbook = new (await loadExcelJs()).Workbook();
  if (meta?.title !== undefined) workbook.title = meta.title;
  if (meta?.creator !== undefined) workbook.creator = meta.creator;

  const usedNames = new Set<string>();
  sheets.forEach((sheet, index) => {
    const name = uniqueSheetName(sheetName(sheet.name, index + 1), usedNames);
    usedNames.add(name.toLowerCase());
    const worksheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
    worksheet.columns = sheet.columns.map((column) => ({ key: column.key, width: column.width }));

    const header = worksheet.addRow(sheet.columns.map((column) => column.header));
    header.font = { bold: true };

    for (const record of sheet.rows) {
      const row = worksheet.addRow(sheet.columns.map((column) => cellValue(record[column.key])));
      sheet.columns.forEach((column, columnIndex) => {
        const cell = row.getCell(columnIndex + 1);
        const numFmt = column.numFmt ?? (cell.value instanceof Date ? DEFAULT_DATE_FORMAT : undefined);
        if (numFmt !== undefined) cell.numFmt = numFmt;
      });
    }
  });

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Excel's rules: at most 31 characters, none of []:*?/\, no apostrophe at either end, not empty. */
export function sheetName(raw: string, position: number): string {
  // NFC first: Vietnamese typed with combining marks is longer and could be cut between a letter and its tone.
  let name = raw
    .normalize('NFC')
    .replace(/[[\]:*?/\\]/g, '')
    .trim();
  name = truncate(name, MAX_SHEET_NAME)
    .replace(/^'+|'+$/g, '')
    .trim();
  // 'History' is reserved by Excel for change tracking.
  if (name === '' || name.toLowerCase() === 'history') return `Sheet${position}`;
  return name;
}

// Excel compares sheet names case-insensitively; exceljs throws on a clash, so later ones get a " (2)" suffix.
function uniqueSheetName(name: string, used: ReadonlySet<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate.toLowerCase()); n += 1) {
    const suffix = ` (${n})`;
    candidate = truncate(name, MAX_SHEET_NAME - suffix.length) + suffix;
  }
  return candidate;
}

// Cuts by UTF-16 length, which is what Excel counts, without splitting a surrogate pair.
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

// NaN, Infinity and invalid dates would be written as text Excel cannot open, so they become empty cells.
export function cellValue(value: SheetValue): ExcelJS.CellValue {
  if (value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value instanceof Date && Number.isNaN(value.getTime())) return null;
  return value;
}
