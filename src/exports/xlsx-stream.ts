import { once, type EventEmitter } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type ExcelJS from 'exceljs';
import { cellValue, DEFAULT_DATE_FORMAT, sheetName, type SheetValue } from './xlsx';
import { loadExcelJs } from './exceljs';

export interface StreamedSheet<Row> {
  name: string;
  columns: { header: string; key: string; width?: number; value: (row: Row) => SheetValue }[];
}

/**
 * Writes a one-sheet workbook to `out` row by row with exceljs's streaming writer (the same sheet as xlsx.ts
 * builds: frozen bold header, plain string cells, so '=1+1' typed by a respondent is never a formula). Each row is
 * committed as soon as it is added. exceljs itself never waits: its sheet stream hands every 64 KB straight to the
 * zip's input stream, whatever that already holds. So the rows are paced here on that input: when it holds more
 * than its high-water mark (the zip, or behind it the client, is slower than the rows come), no row is added until
 * it has drained. Memory: a few of exceljs's 64 KB buffers and the zip's own, whatever the number of rows.
 */
type Paced = EventEmitter & { _writableState?: { needDrain?: boolean } };

/**
 * The zip's input for the sheet: archiver's PassThrough that exceljs's sheet stream pipes into (exceljs 4 and
 * archiver 5 internals; versions pinned by package-lock, and export-streaming.test.ts fails if this stops working).
 * Type escape: those internals are not in exceljs's types.
 */
const sheetInput = (worksheet: ExcelJS.Worksheet): Paced | undefined => (worksheet as unknown as { stream?: { pipes?: Paced[] } }).stream?.pipes?.[0];

/** Waits for `stream` to drain, or for the output to end (an error there, a client gone, is reported by `sent`). */
async function drained(stream: EventEmitter, sent: Promise<void>): Promise<void> {
  const drain = once(stream, 'drain');
  drain.catch(() => undefined);
  await Promise.race([drain, sent]);
}

/**
 * The styles of the data cells, one object each for all of them: exceljs looks a style object up in a WeakMap
 * before working out its id, so a shared one costs a lookup per cell, where a cell's own style object (exceljs's
 * default) was worked out again for every cell (half of the export's CPU at a million rows).
 */
const PLAIN_STYLE: Partial<ExcelJS.Style> = Object.freeze({});
const DATE_STYLE: Partial<ExcelJS.Style> = Object.freeze({ numFmt: DEFAULT_DATE_FORMAT });

export async function streamXlsx<Row>(
  out: Writable,
  sheet: StreamedSheet<Row>,
  rows: AsyncIterable<Row>,
  meta: { title: string; creator: string },
): Promise<void> {
  const zipped = new PassThrough();
  const sent = pipeline(zipped, out);
  sent.catch(() => undefined); // observed below; a client that leaves must not be an unhandled rejection meanwhile
  const workbook = new (await loadExcelJs()).stream.xlsx.WorkbookWriter({ stream: zipped, useStyles: true, useSharedStrings: false });
  // Document properties: exceljs's types leave them out of the streaming writer, which writes them all the same.
  Object.assign(workbook, { creator: meta.creator, title: meta.title });
  // Type escape: the streaming writer's zip is not in exceljs's types (the internals named above).
  (workbook as unknown as { zip: EventEmitter }).zip.on('error', (error: Error) => zipped.destroy(error));
  const worksheet = workbook.addWorksheet(sheetName(sheet.name, 1), { views: [{ state: 'frozen', ySplit: 1 }] });
  worksheet.columns = sheet.columns.map((column) => ({ key: column.key, width: column.width }));
  const header = worksheet.addRow(sheet.columns.map((column) => column.header));
  header.font = { bold: true };
  header.commit();
  try {
    for await (const record of rows) {
      if (zipped.destroyed) throw new Error('XLSX export: the client went away'); // ends the rows and their cursor
      const row = worksheet.addRow(sheet.columns.map((column) => cellValue(column.value(record))));
      // Type escape: a row's own style object is not in exceljs's types; it is looked up like the cells'.
      (row as unknown as { style: Partial<ExcelJS.Style> }).style = PLAIN_STYLE;
      row.eachCell((cell) => {
        cell.style = cell.value instanceof Date ? DATE_STYLE : PLAIN_STYLE;
      });
      row.commit();
      const input = sheetInput(worksheet);
      if (input?._writableState?.needDrain) await drained(input, sent);
      else if (zipped.writableNeedDrain) await drained(zipped, sent);
    }
    worksheet.commit();
    await workbook.commit();
    await sent;
  } catch (error) {
    zipped.destroy(error as Error);
    await sent.catch(() => undefined);
    throw error;
  }
}
