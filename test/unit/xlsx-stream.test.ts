import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { DEFAULT_DATE_FORMAT } from '../../src/exports/xlsx';
import { streamXlsx } from '../../src/exports/xlsx-stream';

interface Row {
  id: string;
  at: Date;
  score: number | null;
}

async function* rowsOf(rows: Row[]): AsyncGenerator<Row> {
  for (const row of rows) yield await Promise.resolve(row);
}

/**
 * The streamed sheet shares one style object among its data cells (xlsx-stream.ts, for speed): the header is still
 * bold, dates still carry their format, and no data cell takes the header's or the dates' style.
 */
describe('streamXlsx styles', () => {
  it('when rows with dates and numbers are streamed, then the header is bold, dates are formatted and other cells are plain', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const rows: Row[] = [
      { id: '=1+1', at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), score: 5 },
      { id: 'b', at: new Date(Date.UTC(2026, 11, 31)), score: null },
    ];
    await streamXlsx(
      out,
      {
        name: 'Phiếu',
        columns: [
          { header: 'id', key: 'id', value: (r: Row) => r.id },
          { header: 'lúc', key: 'at', value: (r: Row) => r.at },
          { header: 'điểm', key: 'score', value: (r: Row) => r.score },
        ],
      },
      rowsOf(rows),
      { title: 't', creator: 'Hài Lòng' },
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
    for (const r of [2, 3]) {
      const row = sheet.getRow(r);
      expect(row.getCell(2).value).toEqual(rows[r - 2]!.at);
      expect(row.getCell(2).numFmt).toBe(DEFAULT_DATE_FORMAT);
      expect(row.getCell(1).font?.bold).toBeFalsy();
      expect(row.getCell(1).numFmt).toBeFalsy();
      expect(row.getCell(3).numFmt).toBeFalsy();
    }
    expect(sheet.getRow(2).getCell(1).value).toBe('=1+1'); // a string cell, never a formula
    expect(sheet.getRow(2).getCell(3).value).toBe(5);
  });
});
