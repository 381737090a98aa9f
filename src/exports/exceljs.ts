import type ExcelJS from 'exceljs';

/**
 * exceljs, loaded at the first workbook rather than when the app starts: with what it brings (jszip, archiver,
 * pako, saxes…) it holds about 35 MB of RSS, 25 MB of it V8 heap, that an instance answering forms never needs
 * (docs/benchmarks.md, session 16). Node's module cache makes every later call free.
 */
export async function loadExcelJs(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}
