import ExcelJS from 'exceljs';
import zlib from 'node:zlib';
import { readDossierFile, XLSX_LIMITS } from '../../src/dossiers/dossier-file';
import { createModels, type Models } from '../../src/models';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { DOSSIER_FILE, DOSSIER_NOW } from '../helpers/dossier-fixtures';
import { FIXTURE_UNITS } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Issue 25, item 1: a 7.5 MB XLSX that unpacked to 4 GB in 40 sheets took the app from 366 MB to 4.4 GB and killed
 * it. The bombs are built here, in bounded memory: one entry's deflated zeros, made from 1 MB at a time, shared by
 * every sheet.
 */
const MB = 1024 * 1024;

/** Raw-deflated `size` bytes of zeros, made from 1 MB at a time (the test never holds the inflated bytes). */
async function deflatedZeros(size: number): Promise<Buffer> {
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const zeros = Buffer.alloc(MB);
  for (let written = 0; written < size; written += MB) {
    if (!deflate.write(zeros)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat(chunks);
}

interface Entry {
  name: string;
  /** raw-deflated content */
  data: Buffer;
  /** what the zip says it unpacks to (a bomb may lie) */
  declared: number;
}

/** A zip of `entries` (no CRCs: the checks must refuse before anything would verify them). */
function zipOf(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.declared, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.declared, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('an XLSX that unpacks to far more than it weighs', () => {
  let ctx: TestContext;
  let models: Models;
  let bomb: Buffer;

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => DOSSIER_NOW });
    models = createModels(ctx.db.connection);
    await models.Unit.insertMany(FIXTURE_UNITS);
    await createUser(models, 'so@example.vn', 'department', 'SGD');
    // 40 sheets of 100 MB each (4 GB), every other one claiming to be 1 kB.
    const sheet = await deflatedZeros(100 * MB);
    bomb = zipOf(Array.from({ length: 40 }, (_, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: sheet, declared: i % 2 ? 1024 : 100 * MB })));
  }, 60_000);
  afterAll(() => ctx.close());

  it('when department staff upload it, then it is refused with the limit named, memory stays bounded, and the app keeps serving', async () => {
    expect(bomb.length).toBeLessThan(8 * MB);
    const agent = await signIn(ctx.app, 'so@example.vn');
    const page = await agent.get('/admin/dossiers').expect(200);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const posted = await agent.post(`/admin/dossiers/import?_csrf=${encodeURIComponent(csrfFrom(page.text))}`).attach('file', bomb, 'bom.xlsx');
      expect(posted.status).toBe(303);
      const result = (await agent.get(posted.headers.location!).expect(200)).text;
      expect(result).toContain(`${XLSX_LIMITS.maxTotalBytes / MB} MB`);
    } finally {
      clearInterval(sampler);
    }
    // The check holds at most one entry's room (64 MB) inflated; exceljs would have taken gigabytes.
    expect((peak - rssBefore) / MB).toBeLessThan(400);
    expect(await models.Dossier.countDocuments()).toBe(0);
    await agent.get('/admin/dossiers').expect(200);
  });

  it('when a workbook has too many parts or too many rows, then each is refused before it is parsed, naming its limit', async () => {
    const tiny = zlib.deflateRawSync(Buffer.from('<x/>'));
    const parts = await readDossierFile(
      zipOf(Array.from({ length: XLSX_LIMITS.maxEntries + 1 }, (_, i) => ({ name: `xl/p${i}.xml`, data: tiny, declared: 4 }))),
    );
    expect(parts.errors.map((e) => e.message).join()).toContain(`at most ${XLSX_LIMITS.maxEntries}`);

    const rowsXml = Buffer.from(`<worksheet><sheetData>${'<row r="1"/>'.repeat(XLSX_LIMITS.maxRows + 1)}</sheetData></worksheet>`);
    const rows = await readDossierFile(zipOf([{ name: 'xl/worksheets/sheet1.xml', data: zlib.deflateRawSync(rowsXml), declared: rowsXml.length }]));
    expect(rows.errors.map((e) => e.message).join()).toContain('more than 100,000 rows');
  });

  it('when a real workbook is uploaded, then the checks let it through and it is read', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Hồ sơ');
    for (const line of DOSSIER_FILE.trim().split('\n')) sheet.addRow(line.split(','));
    const file = await readDossierFile(Buffer.from(await book.xlsx.writeBuffer()));
    expect(file.errors).toEqual([]);
    expect(file.records.length).toBe(DOSSIER_FILE.trim().split('\n').length);
  });
});
