import fc from 'fast-check';
import { toCsv, type Column } from '../../src/exports/csv';
import { parseUnitsCsv } from '../../src/units/unit-csv';
import type { Unit } from '../../src/units/unit.model';
import { readCsvRows } from '../helpers/csv-reader';

type Row = { id: string; text: string };
const columns: Column<Row>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'text', value: (r) => r.text },
];
// A formula character at the start of a cell, possibly behind tabs and line breaks (which some readers strip). A
// cell that starts with a tab or a line break before ordinary text runs nothing.
const FORMULA = /^[\t\r\n]*[=+\-@]/;

/**
 * The cells Excel makes of a CSV file when its list separator is ';' (Vietnamese Windows): fields split on ';',
 * quotes honoured only where a field starts with one, and any line break outside such a quoted field ends the row.
 */
function semicolonExcelCells(csv: string): string[] {
  const text = csv.replace(/^\uFEFF/, '');
  const cells: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      for (i++; i < text.length; i++) {
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (text[i] === '"') {
          i++;
          break;
        } else cell += text.charAt(i);
      }
    }
    while (i < text.length && !';\r\n'.includes(text[i]!)) cell += text.charAt(i++);
    cells.push(cell);
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
  }
  return cells;
}

/** The cells an RFC 4180 reader (Excel with ',' as separator) makes of our CSV. */
const commaCells = (csv: string): string[] => readCsvRows(csv).flat();

describe('CSV cells never become formulas, in a comma or a semicolon spreadsheet', () => {
  it('when a comment holds ";" followed by a formula, then Vietnamese Excel (";" separator) gets no formula cell', () => {
    const csv = toCsv(
      [
        { id: 'r1', text: 'Tốt;=HYPERLINK("http://evil.example","bấm")' },
        { id: 'r2', text: 'a; +1;@SUM(A1);-2' },
      ],
      columns,
    );
    expect(semicolonExcelCells(csv).filter((c) => FORMULA.test(c))).toEqual([]);
    expect(csv).toContain(`"Tốt;'=HYPERLINK(""http://evil.example"",""bấm"")"`);
  });

  it('when a comment that is not first on its row holds a line break then a formula, then the cut-off row starts with no formula', () => {
    const csv = toCsv(
      [
        { id: 'r1', text: 'ổn\n=1+1' },
        { id: 'r2', text: 'x\r\n@cmd' },
      ],
      columns,
    );
    expect(semicolonExcelCells(csv).filter((c) => FORMULA.test(c))).toEqual([]);
  });

  it('when any text is written, then neither reading of the file yields a formula cell and the comma reading keeps the text', () => {
    const piece = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '\r\n', ';', ',', '"', ' ', 'a', 'ộ', '1', "'");
    fc.assert(
      fc.property(
        fc.array(
          fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
          { minLength: 1, maxLength: 5 },
        ),
        (texts) => {
          const csv = toCsv(
            texts.map((text, i) => ({ id: `r${i}`, text })),
            columns,
          );
          expect(semicolonExcelCells(csv).filter((c) => FORMULA.test(c))).toEqual([]);
          const cells = commaCells(csv);
          expect(cells.filter((c) => FORMULA.test(c))).toEqual([]);
          // Only apostrophes were added: removing them gives the text back.
          const written = cells.slice(2).filter((_, i) => i % 2 === 1);
          texts.forEach((text, i) => {
            expect(written[i]!.replace(/'/g, '')).toBe(text.replace(/'/g, ''));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the units import refuses formula cells and reads Vietnamese Excel files', () => {
  const none: ReadonlyMap<string, Unit> = new Map();
  const HEADER = 'code,name,type,level,district,parent';
  const SGD = 'SGD,Sở Giáo dục và Đào tạo,department,,,';

  it.each([
    ['name', '=HYPERLINK("http://evil.example")', ''],
    ['name', '"\t+cmd|\' /C calc\'!A0"', ''],
    ['name', '@SUM(1)', ''],
    ['name', '"Trường A;=1+1"', ''],
    ['district', 'Trường A', '-2+3'],
    ['district', 'Trường A', '"An Phú\n=1"'],
  ])('when a %s cell looks like a formula (%j / %j), then the row is refused with a bilingual error and nothing is imported', (field, name, district) => {
    const { units, errors } = parseUnitsCsv(`${HEADER}\n${SGD}\nTH-A,${name},school,tieuhoc,${district},SGD\n`, none);
    expect(units).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ row: 3, field, message: expect.stringMatching(/công thức.* \/ .*formula/) })]);
  });

  it('when a name merely contains ";" or a dash inside, then it is accepted unchanged', () => {
    const { units, errors } = parseUnitsCsv(`${HEADER}\n${SGD}\nTH-A,"Trường Tiểu học A; cơ sở 2 - Kim Đồng",school,tieuhoc,An Phú,SGD\n`, none);
    expect(errors).toEqual([]);
    expect(units.find((u) => u.code === 'TH-A')!.name).toBe('Trường Tiểu học A; cơ sở 2 - Kim Đồng');
  });

  it('when the file comes from Vietnamese Excel with ";" as separator, then it is read like a comma file', () => {
    const text =
      '\uFEFFcode;name;type;level;district;parent\r\nSGD;Sở Giáo dục và Đào tạo;department;;;\r\nTH-A;"Trường Tiểu học A, cơ sở 2";school;tieuhoc;An Phú;SGD\r\n';
    const { units, errors } = parseUnitsCsv(text, none);
    expect(errors).toEqual([]);
    expect(units.map((u) => [u.code, u.name, u.district ?? '', u.ancestors])).toEqual([
      ['SGD', 'Sở Giáo dục và Đào tạo', '', []],
      ['TH-A', 'Trường Tiểu học A, cơ sở 2', 'An Phú', ['SGD']],
    ]);
  });

  it('when a ";" file carries a formula cell, then it is refused as well', () => {
    const text = 'code;name;type;level;district;parent\nSGD;=cmd|calc;department;;;\n';
    expect(parseUnitsCsv(text, none).errors).toEqual([expect.objectContaining({ row: 2, field: 'name' })]);
  });
});
