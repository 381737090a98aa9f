import zlib from 'node:zlib';
import { Schema, type Connection, type Model } from 'mongoose';
import type { ScoreCounts } from './counters';

/**
 * The figures of one scope, kind and month: every answer counted in a unit or anywhere below it, regrouped the way
 * the dashboard breaks them down. A dashboard, `/api/v1/stats`, an export or the monthly e-mail reads one document
 * per month of its range by `_id` (figureId), however many answers there are: no scan of a growing collection, no
 * copy of figures in any process. `byLevel` holds the same figures per school level, for the level filter.
 */
export interface FigureData {
  respondents: number;
  /** how many of `respondents` arrived late (queued offline at a kiosk), counted in the month they were given */
  late?: number;
  /** survey key (fieldKey) -> its scale and answers per question and score */
  surveys: Record<string, { scale: number; items: Record<string, ScoreCounts> }>;
  /** the overall question by unit code, school level ("none" without) and district, then survey key */
  units: Record<string, Record<string, ScoreCounts>>;
  levels: Record<string, Record<string, ScoreCounts>>;
  districts: Record<string, Record<string, ScoreCounts>>;
  /** the overall question of the answers that rated a TTHC dossier, by survey key: the satisfaction of rated dossiers */
  dossiers?: Record<string, ScoreCounts>;
  /** the same by unit code (a unit's own rated answers), then survey key: which atoms the rated figure splits */
  ratedUnits?: Record<string, Record<string, ScoreCounts>>;
  /**
   * Only in the province's blanks document of a month (fan-out.ts, BLANKS): by unit code (a unit's own answers),
   * then survey key, then question key, how many answers left the question blank. The disclosure rule's count of who
   * answered each question inside an atom (stats/disclosure.ts).
   */
  blanks?: Record<string, Record<string, Record<string, number>>>;
  /** by unit code: how many of its own answers left any question blank (a bound on `blanks` of each question) */
  partialUnits?: Record<string, number>;
  /** how many of `respondents` have their blank questions counted (answers stored before that: not) */
  blanksKnown?: number;
  /** the same figures for the answers of one school level, for the level filter */
  byLevel?: Record<string, Omit<FigureData, 'byLevel' | 'blanks' | 'blanksKnown' | 'partialUnits'>>;
}

/**
 * How a figure document is stored: its counters packed in one string (`data`, see packFigures). FerretDB v1
 * decodes and re-encodes every value of a document on each read and write (about 8 µs a value here; a province's
 * month holds thousands), while a string costs about as much as one number; so the counters travel as one string,
 * written whole by compare-and-set on `rev` (figure-commit.ts) instead of thousands of `$inc` paths.
 * `pending` lists the changes (change-journal.ts) applied while they were in flight, so a change applied twice (a
 * repair after a crash) counts once.
 */
export interface FigureDoc {
  _id: string;
  period: string;
  kind: string;
  scope: string;
  level: string;
  rev: number;
  data: string;
  pending?: string[];
}

const figureSchema = new Schema<FigureDoc>(
  {
    _id: { type: String, required: true },
    period: String,
    kind: String,
    scope: String,
    level: String,
    rev: Number,
    data: String,
    pending: { type: [String], default: undefined },
  },
  { collection: 'figures', versionKey: false },
);

export const ALL_LEVELS = '*';
export const figureId = (period: string, kind: string, scope: string, level: string = ALL_LEVELS) => `${period}|${kind}|${scope}|${level}`;

export const emptyFigureData = (): FigureData => ({ respondents: 0, surveys: {}, units: {}, levels: {}, districts: {} });

/**
 * Packed figures are JSON, deflated and base64-encoded behind a `z1:` prefix. FerretDB's cost of a string grows
 * with its bytes (about 75 ns a byte to read, more to write, measured on a province's 68 kB month), and every answer
 * of the province rewrites that document: deflated it is about 14 kB, a quarter of the database's time for a
 * third of a millisecond of ours. Level 1: the counters compress well at the fastest level. Documents written as
 * plain JSON (starting with `{`) by earlier versions are still read.
 */
const DEFLATED = 'z1:';
export const packFigures = (data: FigureData): string => DEFLATED + zlib.deflateRawSync(JSON.stringify(data), { level: 1 }).toString('base64');
export const figuresJson = (doc: Pick<FigureDoc, 'data'>): string =>
  doc.data.startsWith(DEFLATED) ? zlib.inflateRawSync(Buffer.from(doc.data.slice(DEFLATED.length), 'base64')).toString() : doc.data;
export const figuresOfJson = (json: string): FigureData => ({ ...emptyFigureData(), ...(JSON.parse(json) as Partial<FigureData>) });
export const unpackFigures = (doc: Pick<FigureDoc, 'data'>): FigureData => figuresOfJson(figuresJson(doc));

/** The figures of one school level inside a document (empty when none of its answers has that level). */
export const levelFigures = (data: FigureData, level: string): FigureData => ({ ...emptyFigureData(), ...(data.byLevel?.[level] ?? {}) });

export type FigureModel = Model<FigureDoc>;
export const figureModel = (connection: Connection): FigureModel =>
  (connection.models.Figure as FigureModel | undefined) ?? connection.model<FigureDoc>('Figure', figureSchema);

/** Form views of a scope (a unit and its subtree) in a month: the response rate's denominator. */
export interface ViewTotal {
  _id: string;
  views: number;
}
const viewTotalSchema = new Schema<ViewTotal>({ _id: String, views: Number }, { collection: 'view_totals', versionKey: false });
export const viewTotalId = (period: string, scope: string) => `${period}|${scope}`;
export type ViewTotalModel = Model<ViewTotal>;
export const viewTotalModel = (connection: Connection): ViewTotalModel =>
  (connection.models.ViewTotal as ViewTotalModel | undefined) ?? connection.model<ViewTotal>('ViewTotal', viewTotalSchema);
