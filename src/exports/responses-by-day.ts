import type { Models } from '../models';
import { dayOf } from '../responses/period';
import type { ResponseDoc } from '../responses/response.model';
import { SpillFolder } from './spill-runs';

export interface ExportScope {
  kind: string;
  unit: { code: string };
  from: string;
  to: string;
  level?: string;
}

/** What the raw export shows of a response (the rest is never read). */
const PROJECTION = { _id: 1, submittedAt: 1, period: 1, surveyKey: 1, surveyVersion: 1, unitCode: 1, level: 1, district: 1, answers: 1, comment: 1, flags: 1, counted: 1, synthetic: 1 };

/**
 * The memory bound of the export's sort: at most RUN_ROWS rows are held, each as one line of text (some 700 bytes,
 * so about 3 MB), and a merge reads at most FAN_IN runs at once (some 100 KB of stream buffers each). Past RUN_ROWS
 * rows the sorted runs go to disk (spill-runs.ts); past FAN_IN runs, runs are merged into longer runs first (a
 * million rows: one extra pass). Measured on 100k rows in a fresh process with `npm start`'s flags: peak RSS +75 MB
 * holding 10,000 rows, +63 to +67 MB holding 2,000 or 4,000; the cursor alone, sorting nothing, +42 MB. Most of it
 * is V8's heap growing under the allocation rate, not live data (the heap in use stays near 25-40 MB).
 */
export const RUN_ROWS = 4_000;
export const FAN_IN = 32;

/**
 * A row as sorted and spilled: its day (Asia/Ho_Chi_Minh), its id, and the line `<day>\t<n>\t<id as JSON><json>`
 * (n: the length of the quoted id), from which day and id are read back without parsing the whole row at every
 * merge. The id is quoted so that no character of it can break the line.
 */
interface Row {
  day: string;
  id: string;
  line: string;
}

const rowOf = (doc: ResponseDoc): Row => {
  const day = dayOf(doc.submittedAt);
  const quoted = JSON.stringify(doc._id);
  return { day, id: doc._id, line: `${day}\t${quoted.length}\t${quoted}${JSON.stringify(doc)}` };
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
  const doc = JSON.parse(row.line.slice(idSpan(row.line)[1])) as ResponseDoc;
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
  for await (const row of rows) yield row.line;
}

/**
 * The responses of a scope and period range in export order, read with one cursor (on FerretDB any filter but
 * `_id` reads the whole collection, so one pass, not one per month) and sorted within the bounds above. A small
 * export never touches disk.
 */
export async function* responsesByDay(models: Models, scope: ExportScope, options: { runRows?: number; fanIn?: number; spillParent?: string } = {}): AsyncGenerator<ResponseDoc> {
  const runRows = options.runRows ?? RUN_ROWS;
  const fanIn = Math.max(2, options.fanIn ?? FAN_IN);
  const filter = {
    kind: scope.kind,
    period: { $gte: scope.from, $lte: scope.to },
    $or: [{ unitCode: scope.unit.code }, { unitAncestors: scope.unit.code }],
    ...(scope.level ? { level: scope.level } : {}),
  };
  const cursor = models.Response.collection.find(filter as never, { projection: PROJECTION }).batchSize(500);
  let spill: SpillFolder | undefined;
  try {
    const runs: string[] = [];
    let buffer: Row[] = [];
    for await (const doc of cursor) {
      buffer.push(rowOf(doc as unknown as ResponseDoc));
      if (buffer.length < runRows) continue;
      spill ??= await SpillFolder.open(options.spillParent);
      runs.push(await spill.write(sorted(buffer).map((r) => r.line)));
      buffer = [];
    }
    if (!spill) {
      for (const row of sorted(buffer)) yield docOf(row);
      return;
    }
    const folder = spill;
    if (buffer.length) runs.push(await folder.write(sorted(buffer).map((r) => r.line)));
    buffer = [];
    while (runs.length > fanIn) {
      const group = runs.splice(0, fanIn);
      runs.push(await folder.write(linesOf(merge(group.map((file) => rowsOf(folder, file))))));
      for (const file of group) await folder.remove(file);
    }
    for await (const row of merge(runs.map((file) => rowsOf(folder, file)))) yield docOf(row);
  } finally {
    await cursor.close();
    await spill?.close();
  }
}
