import ExcelJS from 'exceljs';
import { toXlsx, type Sheet } from '../../src/exports/xlsx';

const units: Sheet = {
  name: 'Đơn vị',
  columns: [
    { header: 'Mã', key: 'code', width: 12 },
    { header: 'Tên đơn vị', key: 'name', width: 40 },
    { header: 'Số phiếu', key: 'responses' },
    { header: 'Tỉ lệ hài lòng', key: 'share', numFmt: '0.0%' },
    { header: 'Ghi chú', key: 'note' },
  ],
  rows: [
    { code: 'TH-KIMDONG', name: 'Trường Tiểu học Kim Đồng', responses: 120, share: 0.875, note: '=1+1' },
    { code: 'MN-HOAHONG', name: 'Trường Mầm non Hoa Hồng, cơ sở 2', responses: -4, share: null, note: '+SUM(A1:A2)' },
    { code: 'PGD', name: '@cmd', responses: Number.NaN, share: undefined, note: '-2' },
  ],
};

const periods: Sheet = {
  name: 'Kỳ khảo sát: [2025/Q1]* về "chất lượng" phục vụ?',
  columns: [
    { header: 'Kỳ', key: 'period' },
    { header: 'Bắt đầu', key: 'startsAt' },
    { header: 'Đã đóng', key: 'closed' },
  ],
  rows: [{ period: '2025-Q1', startsAt: new Date(Date.UTC(2025, 0, 1)), closed: true }],
};

async function load(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  // exceljs types its Buffer as an ArrayBuffer; at runtime it takes a Node Buffer.
  await workbook.xlsx.load(buffer as unknown as ExcelJS.Buffer);
  return workbook;
}

function sheetAt(workbook: ExcelJS.Workbook, index: number): ExcelJS.Worksheet {
  const sheet = workbook.worksheets[index];
  if (!sheet) throw new Error(`no sheet at ${index}`);
  return sheet;
}

function allCells(sheet: ExcelJS.Worksheet): ExcelJS.Cell[] {
  const cells: ExcelJS.Cell[] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    row.eachCell({ includeEmpty: false }, (cell) => cells.push(cell));
  });
  return cells;
}

describe('toXlsx', () => {
  let workbook: ExcelJS.Workbook;
  let buffer: Buffer;

  beforeAll(async () => {
    buffer = await toXlsx([units, periods], { title: 'Báo cáo hài lòng', creator: 'Hài Lòng' });
    workbook = await load(buffer);
  });

  it('when two sheets are written, then a zip buffer reads back with both sheets and the metadata', () => {
    expect(Buffer.isBuffer(buffer)).toBe(true);
    expect(buffer.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Đơn vị', 'Kỳ khảo sát 2025Q1 về "chất lượ']);
    expect(workbook.title).toBe('Báo cáo hài lòng');
    expect(workbook.creator).toBe('Hài Lòng');
  });

  it('when a sheet name is long or has []:*?/\\, then it is stripped and cut to 31 characters', () => {
    const name = sheetAt(workbook, 1).name;
    expect(name.length).toBeLessThanOrEqual(31);
    expect(name).not.toMatch(/[[\]:*?/\\]/);
  });

  it('when sheets are written, then the header row is bold and frozen', () => {
    for (const sheet of workbook.worksheets) {
      const header = sheet.getRow(1);
      header.eachCell((cell) => {
        expect(cell.font?.bold).toBe(true);
      });
      expect(sheet.getRow(2).getCell(1).font?.bold).not.toBe(true);
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    }
    expect(sheetAt(workbook, 0).getRow(1).values).toEqual([undefined, 'Mã', 'Tên đơn vị', 'Số phiếu', 'Tỉ lệ hài lòng', 'Ghi chú']);
  });

  it('when values are read back, then Vietnamese text, numbers, booleans and dates keep their types', () => {
    const sheet = sheetAt(workbook, 0);
    expect(sheet.getRow(2).values).toEqual([undefined, 'TH-KIMDONG', 'Trường Tiểu học Kim Đồng', 120, 0.875, '=1+1']);
    expect(sheet.getCell('B3').value).toBe('Trường Mầm non Hoa Hồng, cơ sở 2');
    expect(sheet.getCell('C2').type).toBe(ExcelJS.ValueType.Number);
    expect(sheet.getCell('C3').value).toBe(-4);
    const other = sheetAt(workbook, 1);
    expect(other.getCell('B2').value).toEqual(new Date(Date.UTC(2025, 0, 1)));
    expect(other.getCell('C2').value).toBe(true);
  });

  it('when text starts with = + - @, then it stays a string and no cell in the workbook has a formula', () => {
    const sheet = sheetAt(workbook, 0);
    for (const [address, text] of [
      ['E2', '=1+1'],
      ['E3', '+SUM(A1:A2)'],
      ['E4', '-2'],
      ['B4', '@cmd'],
    ] as const) {
      expect(sheet.getCell(address).type).toBe(ExcelJS.ValueType.String);
      expect(sheet.getCell(address).value).toBe(text);
    }
    for (const cell of workbook.worksheets.flatMap(allCells)) {
      expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
      expect(cell.formula).toBeUndefined();
    }
  });

  it('when a value is null, undefined or not finite, then the cell is empty', () => {
    const sheet = sheetAt(workbook, 0);
    expect(sheet.getCell('D3').value).toBeNull();
    expect(sheet.getCell('D4').value).toBeNull();
    expect(sheet.getCell('C4').value).toBeNull();
  });

  it('when a column has a numFmt, then its data cells carry it and a date without one gets an ISO format', () => {
    const sheet = sheetAt(workbook, 0);
    expect(sheet.getCell('D2').numFmt).toBe('0.0%');
    expect(sheet.getCell('C2').numFmt).toBeUndefined();
    expect(sheetAt(workbook, 1).getCell('B2').numFmt).toBe('yyyy-mm-dd hh:mm:ss');
  });

  it('when widths are given, then the columns keep them', () => {
    const sheet = sheetAt(workbook, 0);
    expect(sheet.getColumn(1).width).toBe(12);
    expect(sheet.getColumn(2).width).toBe(40);
  });

  it('when a sheet name uses combining marks, then it is composed before being cut', async () => {
    const decomposed = 'Trường Tiểu học Kim Đồng số một'.normalize('NFD');
    const read = await load(await toXlsx([{ name: decomposed, columns: [], rows: [] }]));
    expect(sheetAt(read, 0).name).toBe('Trường Tiểu học Kim Đồng số một'.normalize('NFC'));
  });

  it('when sheet names are empty, reserved or clash once sanitised, then each gets a distinct valid name', async () => {
    const blank = (name: string): Sheet => ({ name, columns: [{ header: 'a', key: 'a' }], rows: [] });
    const names = ['***', 'History', 'Báo cáo', 'báo cáo', `'${'x'.repeat(40)}'`, `${'x'.repeat(30)}:`];
    const read = await load(await toXlsx(names.map(blank)));
    expect(read.worksheets.map((sheet) => sheet.name)).toEqual(['Sheet1', 'Sheet2', 'Báo cáo', 'báo cáo (2)', 'x'.repeat(30), `${'x'.repeat(27)} (2)`]);
  });
});
