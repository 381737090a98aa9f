import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { streamCsv } from '../../src/exports/csv-stream';
import { defuseFormulas } from '../../src/exports/formula-cells';
import { responsesByDay } from '../../src/exports/responses-by-day';
import { streamXlsx } from '../../src/exports/xlsx-stream';
import { dayOf } from '../../src/responses/period';
import { responseIdOn } from '../../src/responses/response-id';
import type { ResponseDoc } from '../../src/responses/response.model';
import { createUser, signIn } from '../helpers/admin-fixtures';
import { readCsvRows } from '../helpers/csv-reader';
import { responseOf } from '../helpers/response-fixtures';
import { FIXTURE_UNITS, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The raw-response exports stream (issue 12): rows sorted by day then id with bounded memory (runs spilled to disk
 * past a size), sent in chunks, and produced only as fast as the client reads them.
 */
const unit = (code: string) => FIXTURE_UNITS.find((u) => u.code === code)!;
const SCOPE = { kind: 'education', unit: { code: 'SGD' }, from: '2026-10', to: '2026-10' };
const FILTER = 'kind=education&unit=SGD&from=2026-10&to=2026-10';
const byDayThenId = (rows: ResponseDoc[]) =>
  rows
    .map((r) => ({ r, day: dayOf(r.submittedAt) }))
    .sort((a, b) => (a.day === b.day ? (a.r._id < b.r._id ? -1 : 1) : a.day < b.day ? -1 : 1))
    .map(({ r }) => r._id);

/** A client that takes nothing until released: what it has not taken yet stays with the writer. */
class SlowClient extends Writable {
  readonly chunks: Buffer[] = [];
  private held: Array<() => void> = [];
  private open = false;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    if (this.open) done();
    else this.held.push(done);
  }
  release(): void {
    this.open = true;
    for (const done of this.held.splice(0)) done();
  }
}

/** Rows made on demand, counting how many the writer has asked for. */
function countedRows(total: number) {
  const counter = { pulled: 0 };
  // An iterator by hand rather than an async generator: nothing here waits, and each `next` is one row asked for.
  const rows = (): AsyncIterable<{ i: number; text: string }> => {
    let i = 0;
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (i >= total) return Promise.resolve({ done: true, value: undefined });
          counter.pulled += 1;
          const row = { i, text: `Dòng số ${i} — ${'x'.repeat(60)}` };
          i += 1;
          return Promise.resolve({ done: false, value: row });
        },
      }),
    };
  };
  return { counter, rows };
}

/** Waits until `value()` stops changing (the writer is waiting for the client, or done). */
async function whenStill(value: () => number): Promise<void> {
  let last = -1;
  while (value() !== last) {
    last = value();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('raw-response exports, streamed', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let admin: request.Agent;
  const stored: ResponseDoc[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    await createUser(fx.models, 'so@x.vn', 'super_admin', 'SGD');
    admin = await signIn(ctx.app, 'so@x.vn');
    // Five days, many answers a day, stored out of order; late evening UTC is the next day in Vietnam. A third have
    // ids from before ids carried a day; the rest were opened the same day or up to 20 hours before.
    for (let i = 0; i < 60; i++) {
      const at = new Date(Date.parse('2026-10-03T00:00:00Z') + ((i * 37) % 60) * 2 * 3600_000);
      const response = responseOf(i % 2 ? unit('THCS-LELOI') : unit('THPT-CHUVANAN'), at, {
        comment: i === 7 ? '=1+1' : `ý kiến ${i}`,
        answers: { overall: 1 + (i % 5) },
      });
      if (i % 3) response._id = responseIdOn(new Date(at.getTime() - (i % 3 === 2 ? 20 : 0) * 3600_000));
      stored.push(response);
    }
    // An id no form would make, with a line break, a tab and quotes: the spilled lines must survive it.
    stored[12]!._id = 'odd\n\tid "12"';
    // Opened on an instance whose clock ran 40 seconds ahead, just past midnight: submitted the day before.
    stored.push(responseOf(unit('THCS-LELOI'), new Date('2026-10-05T16:59:50Z'), { _id: responseIdOn(new Date('2026-10-05T17:00:30Z')) }));
    await fx.models.Response.collection.insertMany(stored as never[]);
    await fx.models.Response.collection.insertOne(responseOf(unit('MOTCUA'), new Date('2026-10-04T03:00:00Z')) as never); // tthc: another kind
  });
  afterAll(() => ctx.close());

  it('when the rows do not fit in one run, then they are spilled to disk in sorted runs and merged a few at a time: same order as sorting in memory, and the spill folder goes', async () => {
    const spillParent = fs.mkdtempSync(path.join(os.tmpdir(), 'hl-spill-test-'));
    const merged: ResponseDoc[] = [];
    let filesWhileMerging = 0;
    for await (const r of responsesByDay(fx.models, SCOPE, { runRows: 7, fanIn: 3, spillParent })) {
      if (!merged.length) filesWhileMerging = fs.readdirSync(spillParent).flatMap((dir) => fs.readdirSync(path.join(spillParent, dir))).length;
      merged.push(r);
    }
    // Past seven rows a sort spills: the 20 legacy rows as three runs, each day's dozen or so as two.
    expect(filesWhileMerging).toBeGreaterThanOrEqual(3);
    const inMemory: string[] = [];
    for await (const r of responsesByDay(fx.models, SCOPE)) inMemory.push(r._id);
    expect(merged.map((r) => r._id)).toEqual(byDayThenId(stored));
    expect(inMemory).toEqual(merged.map((r) => r._id));
    // Rows come back whole from disk: the same values as stored (the export's projection of them).
    const original = stored.find((r) => r._id === merged[0]!._id)!;
    expect(merged[0]).toEqual({
      _id: original._id,
      submittedAt: original.submittedAt,
      period: original.period,
      surveyKey: original.surveyKey,
      surveyVersion: original.surveyVersion,
      unitCode: original.unitCode,
      level: original.level,
      answers: original.answers,
      comment: original.comment,
      flags: original.flags,
      counted: original.counted,
      synthetic: original.synthetic,
    });
    expect(fs.readdirSync(spillParent)).toEqual([]);
    fs.rmSync(spillParent, { recursive: true, force: true });
  });

  it('when the export has sent its first day, then later days are read only afterwards: an answer stored meanwhile is in it', async () => {
    const iterator = responsesByDay(fx.models, SCOPE);
    const first = await iterator.next();
    expect(first.done).toBe(false);
    const late = responseOf(unit('THCS-LELOI'), new Date('2026-10-20T03:00:00Z'), { _id: responseIdOn(new Date('2026-10-20T02:00:00Z')) });
    await fx.models.Response.collection.insertOne(late as never);
    try {
      const ids = [first.value!._id];
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) ids.push(next.value._id);
      expect(ids).toEqual(byDayThenId([...stored, late]));
    } finally {
      await fx.models.Response.collection.deleteOne({ _id: late._id } as never);
    }
  });

  it('when the raw CSV is exported, then it is streamed (chunked, no length known in advance), by day then id, with the BOM and defused formulas', async () => {
    const res = await admin.get(`/admin/export/responses.csv?${FILTER}`).expect(200);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.text.charCodeAt(0)).toBe(0xfeff);
    const rows = readCsvRows(res.text);
    // Cells as csv.ts writes them: the odd id's tab after a line break would start a formula, so it is defused too.
    expect(rows.slice(1).map((r) => r[0])).toEqual(byDayThenId(stored).map(defuseFormulas));
    expect(rows.slice(1).flat()).toContain("'=1+1");
  });

  it('when the raw XLSX is exported, then it is streamed and holds the same rows as a workbook with a frozen bold header', async () => {
    const res = await admin
      .get(`/admin/export/responses.xlsx?${FILTER}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          cb(null, Buffer.concat(chunks));
        });
      })
      .expect(200);
    expect(res.headers['content-length']).toBeUndefined();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.body);
    const sheet = book.getWorksheet('Phiếu trả lời')!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).font?.bold).toBe(true);
    const ids: string[] = [];
    sheet.eachRow((row, n) => n > 1 && ids.push(row.getCell(1).text));
    expect(ids).toEqual(byDayThenId(stored));
    expect(book.title).toBe('hailong-responses-education-SGD-2026-10-2026-10');
  });

  it.each(['csv', 'xlsx'] as const)(
    'when the client of a %s export reads nothing, then the writer stops asking for rows; once it reads, all rows arrive',
    async (format) => {
      const total = 40_000;
      const { counter, rows } = countedRows(total);
      const client = new SlowClient();
      const columns = [
        { header: 'i', key: 'i', value: (r: { i: number }) => r.i },
        { header: 'text', key: 'text', value: (r: { text: string }) => r.text },
      ];
      const done =
        format === 'csv' ? streamCsv(client, rows(), columns) : streamXlsx(client, { name: 'Rows', columns }, rows(), { title: 'test', creator: 'test' });
      await whenStill(() => counter.pulled);
      expect(counter.pulled).toBeGreaterThan(0);
      expect(counter.pulled).toBeLessThan(total / 2);
      client.release();
      await done;
      expect(counter.pulled).toBe(total);
      const body = Buffer.concat(client.chunks);
      if (format === 'csv') {
        const parsed = readCsvRows(body.toString('utf8'));
        expect(parsed).toHaveLength(total + 1);
        expect(parsed[total]![0]).toBe(String(total - 1));
      } else {
        const book = new ExcelJS.Workbook();
        await book.xlsx.load(body as unknown as ExcelJS.Buffer);
        expect(book.getWorksheet('Rows')!.rowCount).toBe(total + 1);
      }
    },
  );
});
