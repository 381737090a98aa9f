import { CsvError, parse } from 'csv-parse/sync';

/** One non-blank record of a CSV file; `line` is where it starts (1-based, header included). */
export interface RawRecord {
  line: number;
  fields: string[];
}

/**
 * Reads a CSV file as spreadsheets save it: UTF-8 with or without BOM, separated by `,` or (as Vietnamese Excel
 * saves it) `;`, fields trimmed, blank lines skipped. On a malformed file, reports one error at the line where the
 * broken record starts and returns undefined.
 */
export function readCsvRecords(text: string, onError: (line: number, message: string) => void): RawRecord[] | undefined {
  // csv-parse counts a CRLF as two lines; one newline style keeps reported line numbers right.
  const normalized = text.replace(/\r\n?/g, '\n');
  const delimiter = delimiterOf(normalized);
  const records: RawRecord[] = [];
  let previousEnd = 0;
  try {
    parse(normalized, {
      bom: true,
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      on_record: (record, { lines }) => {
        // `lines` is where a record ends, but a quoted field may span lines and users look for where it starts.
        // Blank lines are records too (skip_empty_lines is off), so each record starts right after the previous one.
        const line = previousEnd + 1;
        previousEnd = lines;
        const fields = record.map((field) => field.trim());
        if (fields.some((field) => field !== '')) records.push({ line, fields });
        return null;
      },
    });
    return records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The parser blames the line where it gave up (often the end of the file); the broken record starts earlier.
    const line = previousEnd + 1;
    const [vi, en] =
      error.code === 'CSV_QUOTE_NOT_CLOSED'
        ? ['dấu ngoặc kép mở ở dòng này không được đóng', 'a quote opened on this row is never closed']
        : [error.message, error.message];
    onError(line, `Tệp CSV sai định dạng: ${vi} / malformed CSV: ${en}`);
    return undefined;
  }
}

function delimiterOf(text: string): ',' | ';' {
  const header =
    text
      .replace(/^\uFEFF/, '')
      .split('\n')
      .find((line) => line.trim() !== '') ?? '';
  return header.includes(';') && !header.includes(',') ? ';' : ',';
}
