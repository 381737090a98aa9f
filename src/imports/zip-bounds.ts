import zlib from 'node:zlib';

/**
 * Checks what an uploaded XLSX (a zip) would unpack to, before any parser sees it. exceljs inflates every entry of
 * a workbook into memory before anything can be checked, and only the upload's compressed size was capped: 7.5 MB
 * that unpacked to 4 GB in 40 sheets took the app from 366 MB to 4.4 GB and killed it (issue 25, item 1).
 *
 * The zip's own directory is read here, and every entry is inflated with a hard cap on its output (zlib stops at
 * `maxOutputLength`, whatever the entry declares), one entry at a time and dropped at once: at most `maxEntryBytes`
 * in memory. Worksheets are counted in rows on the way, since a parser keeps every cell as an object.
 */
export interface ZipLimits {
  maxEntries: number;
  /** all entries together, inflated */
  maxTotalBytes: number;
  /** rows of all worksheets together */
  maxRows: number;
}

export type ZipVerdict = { ok: true } | { ok: false; message: string };

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MB = 1024 * 1024;

const refuse = (message: string): ZipVerdict => ({ ok: false, message });

/** The end-of-central-directory record: the last 22 bytes, or up to 64 kB earlier behind a comment. */
function findEnd(bytes: Buffer): number {
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) if (bytes.readUInt32LE(at) === EOCD) return at;
  return -1;
}

const ROW = Buffer.from('<row');

function countRows(xml: Buffer): number {
  let rows = 0;
  for (let at = xml.indexOf(ROW); at !== -1; at = xml.indexOf(ROW, at + ROW.length)) {
    const next = xml[at + ROW.length];
    // "<row " or "<row>", not "<rowBreaks"
    if (next === 0x20 || next === 0x3e || next === 0x2f || next === 0x09 || next === 0x0a || next === 0x0d) rows += 1;
  }
  return rows;
}

export function checkZipBounds(bytes: Buffer, limits: ZipLimits): ZipVerdict {
  const end = findEnd(bytes);
  if (end < 0) return refuse('Tệp XLSX hỏng (không thấy mục lục của tệp nén) / the XLSX file is damaged (no zip directory)');
  const entries = bytes.readUInt16LE(end + 10);
  const directorySize = bytes.readUInt32LE(end + 12);
  const directoryAt = bytes.readUInt32LE(end + 16);
  if (entries === 0xffff || directoryAt === 0xffffffff || directoryAt + directorySize > end) {
    return refuse('Tệp XLSX hỏng hoặc quá lớn (ZIP64) / the XLSX file is damaged or too large (ZIP64)');
  }
  if (entries > limits.maxEntries) {
    return refuse(`Tệp XLSX có ${entries} mục, tối đa ${limits.maxEntries} / the XLSX file has ${entries} parts, at most ${limits.maxEntries} are read`);
  }
  const tooBig = refuse(
    `Tệp XLSX khi giải nén vượt quá ${Math.round(limits.maxTotalBytes / MB)} MB / the XLSX file unpacks to more than ${Math.round(limits.maxTotalBytes / MB)} MB`,
  );
  let total = 0;
  let rows = 0;
  let at = directoryAt;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > end || bytes.readUInt32LE(at) !== CENTRAL) return refuse('Tệp XLSX hỏng (mục lục sai) / the XLSX file is damaged (bad zip directory)');
    const method = bytes.readUInt16LE(at + 10);
    const compressed = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const headerAt = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);

    if (headerAt + 30 > bytes.length || bytes.readUInt32LE(headerAt) !== LOCAL)
      return refuse('Tệp XLSX hỏng (mục sai) / the XLSX file is damaged (bad zip entry)');
    const dataAt = headerAt + 30 + bytes.readUInt16LE(headerAt + 26) + bytes.readUInt16LE(headerAt + 28);
    if (dataAt + compressed > bytes.length) return refuse('Tệp XLSX hỏng (mục bị cắt) / the XLSX file is damaged (a cut-off zip entry)');
    const data = bytes.subarray(dataAt, dataAt + compressed);
    const room = limits.maxTotalBytes - total;
    let content: Buffer;
    if (method === 0) content = data;
    else if (method === 8) {
      try {
        // One byte more than the room left: an entry that fills it exactly is still within the limit.
        content = zlib.inflateRawSync(data, { maxOutputLength: room + 1 });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return tooBig;
        return refuse('Tệp XLSX hỏng (không giải nén được) / the XLSX file is damaged (an entry does not unpack)');
      }
    } else return refuse('Tệp XLSX dùng kiểu nén không hỗ trợ / the XLSX file uses an unsupported compression');
    total += content.length;
    if (total > limits.maxTotalBytes) return tooBig;
    if (/^xl\/worksheets\/[^/]+\.xml$/.test(name)) rows += countRows(content);
    if (rows > limits.maxRows) {
      return refuse(`Tệp XLSX có hơn ${limits.maxRows.toLocaleString('vi-VN')} dòng / the XLSX file has more than ${limits.maxRows.toLocaleString('en')} rows`);
    }
  }
  return { ok: true };
}
