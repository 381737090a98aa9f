import { toCsv, type Column } from '../../src/exports/csv';

interface Line {
  text: string | null | undefined;
}

const textColumn: Column<Line>[] = [{ header: 'text', value: (line) => line.text }];
const BOM = '\uFEFF';

/** The body after the BOM and header, one entry per record. */
function records(csv: string): string[] {
  return csv.slice(BOM.length).split('\r\n').slice(1, -1);
}

describe('toCsv', () => {
  it('when rows are written, then the output starts with a BOM and every record ends with CRLF', () => {
    const csv = toCsv([{ text: 'a' }, { text: 'b' }], textColumn);
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv).toBe(`${BOM}text\r\na\r\nb\r\n`);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('when there are no rows, then only the BOM and the header line are written', () => {
    expect(toCsv([], textColumn)).toBe(`${BOM}text\r\n`);
  });

  it('when fields contain commas, quotes or line breaks, then they are quoted with inner quotes doubled', () => {
    const csv = toCsv(
      [{ text: 'Hoa Hồng, cơ sở 2' }, { text: 'nói "rất tốt"' }, { text: 'dòng 1\ndòng 2' }, { text: 'a\r\nb' }, { text: 'plain' }],
      textColumn,
    );
    expect(records(csv).join('\r\n')).toBe(['"Hoa Hồng, cơ sở 2"', '"nói ""rất tốt"""', '"dòng 1\ndòng 2"', '"a\r\nb"', 'plain'].join('\r\n'));
  });

  it('when text is Vietnamese, then every diacritic is preserved', () => {
    const name = 'Trường Tiểu học Kim Đồng – Phòng GD&ĐT thành phố Mẫu';
    const csv = toCsv([{ text: name }], [{ header: 'Tên đơn vị', value: (line) => line.text }]);
    expect(csv).toBe(`${BOM}Tên đơn vị\r\n${name}\r\n`);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it.each(['=', '+', '-', '@', '\t'])('when a string cell starts with %j, then it is prefixed with a single quote', (first) => {
    const csv = toCsv([{ text: `${first}HYPERLINK("http://x")` }], textColumn);
    expect(records(csv)).toEqual([`"'${first}HYPERLINK(""http://x"")"`]);
  });

  it('when a string cell starts with a carriage return, then it is prefixed and quoted (and so is the formula after the line break)', () => {
    expect(records(toCsv([{ text: '\r=1+1' }], textColumn))).toEqual([`"'\r'=1+1"`]);
  });

  it('when a string cell has a dangerous character after the first position, then it is left alone', () => {
    expect(records(toCsv([{ text: 'a=1+1' }, { text: ' =1' }], textColumn))).toEqual(['a=1+1', ' =1']);
  });

  it.each(['=', '+', '-', '@', '\t', '\r'])('when a header starts with %j, then it is neutralised too', (first) => {
    const csv = toCsv([], [{ header: `${first}cmd`, value: () => null }]);
    const header = first === '\r' ? `"'\rcmd"` : `'${first}cmd`;
    expect(csv).toBe(`${BOM}${header}\r\n`);
  });

  it('when a cell holds numbers, then they are written plainly with "." and negatives are not prefixed', () => {
    const values = [-3, -0.25, 1234567.5, 0, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY];
    const csv = toCsv(values, [{ header: 'n', value: (n) => n }]);
    expect(records(csv)).toEqual(['-3', '-0.25', '1234567.5', '0', '1000000000000000000000', '0.0000001', '', '']);
  });

  it('when a string that looks like a negative number is given, then it is prefixed because it is text', () => {
    expect(records(toCsv([{ text: '-3' }], textColumn))).toEqual(["'-3"]);
  });

  it('when a cell is null or undefined, then it is empty', () => {
    const csv = toCsv(
      [{ text: null }, { text: undefined }],
      [
        { header: 'a', value: (line) => line.text },
        { header: 'b', value: () => 'x' },
      ],
    );
    expect(records(csv)).toEqual([',x', ',x']);
  });

  it('when cells are booleans and Dates, then they are written as true/false and ISO 8601', () => {
    const at = new Date(Date.UTC(2025, 2, 31, 17, 5, 9, 120));
    const csv = toCsv(
      [
        { ok: true, at },
        { ok: false, at: new Date(Number.NaN) },
      ],
      [
        { header: 'ok', value: (row) => row.ok },
        { header: 'at', value: (row) => row.at },
      ],
    );
    expect(records(csv)).toEqual(['true,2025-03-31T17:05:09.120Z', 'false,']);
  });

  it('when rows come from a generator, then they are consumed once in order', () => {
    function* numbers(): Generator<number> {
      yield 1;
      yield 2;
    }
    expect(records(toCsv(numbers(), [{ header: 'n', value: (n) => n }]))).toEqual(['1', '2']);
  });
});
