import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csvHead, csvRecord, type Column } from './csv';

/** Records are joined into pieces of about this size, so a million rows is not a million writes. */
const PIECE_BYTES = 64 * 1024;

/** The CSV document as pieces: the BOM and header first, then the records, in the order `rows` gives them. */
export async function* csvPieces<Row>(rows: AsyncIterable<Row>, columns: Column<Row>[]): AsyncGenerator<string> {
  yield csvHead(columns);
  let piece = '';
  for await (const row of rows) {
    piece += csvRecord(row, columns);
    if (piece.length >= PIECE_BYTES) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/**
 * Writes the CSV to `out` with backpressure: `pipeline` pulls the next piece only when `out` has taken the last
 * one, so a slow client slows the reading of rows instead of filling memory. A client that goes away ends the
 * rows' generator (and its database cursor).
 */
export async function streamCsv<Row>(out: Writable, rows: AsyncIterable<Row>, columns: Column<Row>[]): Promise<void> {
  await pipeline(Readable.from(csvPieces(rows, columns)), out);
}
