import type { mongo } from 'mongoose';
import type { Models } from '../models';
import { dayOf, firstDayOf, lastDayOf, shiftDay } from '../responses/period';
import { idsOpenedOn, LEGACY_IDS } from '../responses/response-id';
import type { ResponseDoc } from '../responses/response.model';
import { SpillFolder } from './spill-runs';
import { collectionOf } from '../data/by-id';

export interface ExportScope {
  kind: string;
  unit: { code: string };
  from: string;
  to: string;
  level?: string;
}

/** What the raw export shows of a response (the rest is never read). */
const PROJECTION = {
  _id: 1,
  submittedAt: 1,
  period: 1,
  surveyKey: 1,
  surveyVersion: 1,
  unitCode: 1,
  level: 1,
  district: 1,
  answers: 1,
  comment: 1,
  flags: 1,
  counted: 1,
  synthetic: 1,
};

/**
 * The memory bound of the export's sort: at most RUN_ROWS rows are held per day, each as the document read (a few
 * kB) until its day spills, then as one line of text (some 700 bytes), and a merge reads at most FAN_IN runs at
 * once (some 100 KB of stream buffers each). Past RUN_ROWS rows the sorted runs go to disk (spill-runs.ts); past
 * FAN_IN runs, runs are merged into longer runs first (a million rows: one extra pass). A day under RUN_ROWS (every
 * day of a million answers a year) is sorted in memory and never serialised: serialising each row to sort it was a
 * fifth of the export's CPU. Measured with `npm start`'s flags: the year's export at 1M answers peaks at 205 MB RSS
 * (docs/benchmarks.md, session 15); on 100k rows, +63 to +75 MB holding 2,000 to 10,000 lines, most of it V8's heap
 * growing under the allocation rate, not live data.
 */
export const RUN_ROWS = 4_000;
export const FAN_IN = 32;

/**
 * A row as sorted: its day (Asia/Ho_Chi_Minh), its id, and either the document as read (a day that fits in one
 * run is sorted in memory and never serialised) or, once spilled, the line `<day>\t<n>\t<id as JSON><json>`
 * (n: the length of the quoted id), from which day and id are read back without parsing the whole row at every
 * merge. The id is quoted so that no character of it can break the line.
 */
interface Row {
  day: string;
  id: string;
  doc?: ResponseDoc;
  line?: string;
}

const rowOf = (doc: ResponseDoc): Row => ({ day: dayOf(doc.submittedAt), id: doc._id, doc });
const lineOf = (row: Row): string => {
  if (row.line !== undefined) return row.line;
  const quoted = JSON.stringify(row.id);
  return `${row.day}\t${quoted.length}\t${quoted}${JSON.stringify(row.doc)}`;
};
/** Where the quoted id starts and ends in a line. */
function idSpan(line: string): [number, number] {
  const tab = line.indexOf('\t', 11);
  return [tab + 1, tab + 1 + Number(line.slice(11, tab))];
}
const rowOfLine = (line: string): Row => {
  const [start, end] = idSpan(line);
  return { day: line.slice(0, 10), id: JSON.parse(line.slice(start, end)) as string, line };
};
const docOf = (row: Row): ResponseDoc => {
  if (row.doc) return row.doc;
  const line = row.line!;
  const doc = JSON.parse(line.slice(idSpan(line)[1])) as ResponseDoc;
  return { ...doc, submittedAt: new Date(doc.submittedAt) };
};

/** By day, then by the random response id: within a day the order says nothing about arrival. */
const before = (a: Row, b: Row) => (a.day === b.day ? a.id < b.id : a.day < b.day);
const sorted = (rows: Row[]) => rows.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));

/** Merges sorted sources, taking the smallest head each time (at most FAN_IN: a linear look is plenty). */
async function* merge(sources: AsyncIterator<Row>[]): AsyncGenerator<Row> {
  const heads = await Promise.all(sources.map(async (s) => (await s.next()).value as Row | undefined));
  for (;;) {
    let min = -1;
    for (let i = 0; i < heads.length; i++) if (heads[i] && (min === -1 || before(heads[i]!, heads[min]!))) min = i;
    if (min === -1) return;
    yield heads[min]!;
    heads[min] = (await sources[min]!.next()).value as Row | undefined;
  }
}

async function* rowsOf(spill: SpillFolder, file: string): AsyncGenerator<Row> {
  for await (const line of spill.read(file)) yield rowOfLine(line);
}

async function* linesOf(rows: AsyncIterable<Row>): AsyncGenerator<string> {
  for await (const row of rows) yield lineOf(row);
}

interface SortLimits {
  runRows: number;
  fanIn: number;
  spillParent?: string;
}

/** An external sort of rows by day then id: at most `runRows` rows held, sorted runs spilled beyond that. */
class RowSorter {
  private buffer: Row[] = [];
  private readonly runs: string[] = [];
  private spill: SpillFolder | undefined;

  constructor(private readonly limits: SortLimits) {}

  async add(row: Row): Promise<void> {
    this.buffer.push(row);
    if (this.buffer.length < this.limits.runRows) return;
    this.spill ??= await SpillFolder.open(this.limits.spillParent);
    this.runs.push(await this.spill.write(sorted(this.buffer).map(lineOf)));
    this.buffer = [];
  }

  /** The rows added, in order. A sorter that never spilled never touches disk. */
  async *drain(): AsyncGenerator<Row> {
    const folder = this.spill;
    if (!folder) {
      const rows = sorted(this.buffer);
      this.buffer = [];
      yield* rows;
      return;
    }
    const runs = this.runs;
    if (this.buffer.length) runs.push(await folder.write(sorted(this.buffer).map(lineOf)));
    this.buffer = [];
    while (runs.length > this.limits.fanIn) {
      const group = runs.splice(0, this.limits.fanIn);
      runs.push(await folder.write(linesOf(merge(group.map((file) => rowsOf(folder, file))))));
      for (const file of group) await folder.remove(file);
    }
    yield* merge(runs.map((file) => rowsOf(folder, file)));
  }

  async close(): Promise<void> {
    await this.spill?.close();
  }
}

type ResponseFilter = Record<string, unknown>;

function findRows(models: Models, filter: ResponseFilter) {
  return collectionOf<ResponseDoc>(models.Response)
    .find(filter as mongo.Filter<ResponseDoc>, { projection: PROJECTION })
    .batchSize(500);
}

/** The responses stored before ids carried a day (response-id.ts): one cursor over them, sorted whole. */
async function* legacyRows(models: Models, filter: ResponseFilter, limits: SortLimits): AsyncGenerator<Row> {
  const sorter = new RowSorter(limits);
  const cursor = findRows(models, { ...filter, _id: LEGACY_IDS });
  try {
    for await (const doc of cursor) await sorter.add(rowOf(doc));
    await cursor.close();
    yield* sorter.drain();
  } finally {
    await cursor.close();
    await sorter.close();
  }
}

/**
 * The responses with day-keyed ids, read one day of opened forms at a time (an `_id` range: only that day is
 * decoded) and written out a day at a time. An answer submitted on day D was opened on D - 1 or D (a form token
 * lives 24 hours), or on D + 1 when the instance that served the form ran up to a minute ahead
 * (form-token.ts): so once the forms opened on day K are read, every day before K is complete. At most three
 * days are held, each within the sort's bounds.
 */
async function* dayKeyedRows(models: Models, filter: ResponseFilter, scope: ExportScope, limits: SortLimits): AsyncGenerator<Row> {
  const pending = new Map<string, RowSorter>();
  const flush = async function* (before: string): AsyncGenerator<Row> {
    for (const day of [...pending.keys()].sort()) {
      if (day >= before) return;
      const sorter = pending.get(day)!;
      pending.delete(day);
      try {
        yield* sorter.drain();
      } finally {
        await sorter.close();
      }
    }
  };
  try {
    for (let opened = shiftDay(firstDayOf(scope.from), -1), last = shiftDay(lastDayOf(scope.to), 1); opened <= last; opened = shiftDay(opened, 1)) {
      const cursor = findRows(models, { ...filter, _id: idsOpenedOn(opened) });
      try {
        for await (const doc of cursor) {
          const row = rowOf(doc);
          let sorter = pending.get(row.day);
          if (!sorter) pending.set(row.day, (sorter = new RowSorter(limits)));
          await sorter.add(row);
        }
      } finally {
        await cursor.close();
      }
      yield* flush(opened);
    }
    yield* flush('9999-99-99');
  } finally {
    for (const sorter of pending.values()) await sorter.close();
  }
}

/**
 * The responses of a scope and period range in export order. Day-keyed ids are read a day at a time, so the first
 * rows go out as soon as the first day is read and a month's export reads only that month (on FerretDB any filter
 * but an `_id` condition decodes the whole collection). Responses stored before ids carried a day are read with
 * one cursor and sorted within the bounds above, then merged in. A small export never touches disk.
 */
export async function* responsesByDay(
  models: Models,
  scope: ExportScope,
  options: { runRows?: number; fanIn?: number; spillParent?: string } = {},
): AsyncGenerator<ResponseDoc> {
  const limits: SortLimits = { runRows: options.runRows ?? RUN_ROWS, fanIn: Math.max(2, options.fanIn ?? FAN_IN), spillParent: options.spillParent };
  const filter: ResponseFilter = {
    kind: scope.kind,
    period: { $gte: scope.from, $lte: scope.to },
    $or: [{ unitCode: scope.unit.code }, { unitAncestors: scope.unit.code }],
    ...(scope.level ? { level: scope.level } : {}),
  };
  const sources = [legacyRows(models, filter, limits), dayKeyedRows(models, filter, scope, limits)];
  try {
    for await (const row of merge(sources)) yield docOf(row);
  } finally {
    // Ends the readers (their cursors and spill folders) when the client goes away before the last row.
    for (const source of sources) await source.return(undefined);
  }
}
