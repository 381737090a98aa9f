import { toXlsx, type Sheet } from '../exports/xlsx';
import { shiftPeriod } from '../responses/period';
import { FIGURE_COLUMNS, figureRows, headlineRow, type FigureRow } from '../stats/figures-table';
import type { MonthCell, SummaryInput } from './summary-model';
import { SUMMARY_STRINGS } from './summary-strings';

const COLUMNS: Sheet['columns'] = FIGURE_COLUMNS.map((c) => ({ header: c.header, key: c.key, numFmt: c.numFmt, width: c.key === 'label' ? 40 : 14 }));

/** The e-mail's figures as a workbook: the 12-month export rows, the month with its comparisons, the formulas. */
export async function summaryWorkbook(input: SummaryInput, month: MonthCell): Promise<Buffer> {
  const { current, period, scopeName } = input;
  const s = SUMMARY_STRINGS[input.lang];
  // A FigureRow is a type alias of cell values, so the rows are a sheet's rows as they are.
  const asRows = (rows: FigureRow[]): Sheet['rows'] => rows;
  const sheets: Sheet[] = [
    { name: s.figuresSheet, columns: COLUMNS, rows: asRows(figureRows(current, input.lang)) },
    {
      name: s.monthSheet(period),
      columns: COLUMNS,
      rows: asRows([
        headlineRow('month', period, scopeName, month),
        headlineRow('previous-month', shiftPeriod(period, -1), scopeName, input.previousMonth),
        headlineRow('same-month-last-year', shiftPeriod(period, -12), scopeName, input.sameMonthLastYear),
        headlineRow('12-months', `${current.scope.from}..${current.scope.to}`, scopeName, current.headline),
      ]),
    },
    {
      name: s.formulaSheet,
      columns: [
        { header: 'Mã / id', key: 'id', width: 24 },
        { header: 'Phiên bản / version', key: 'version' },
        { header: 'Nội dung / text', key: 'text', width: 120 },
      ],
      rows: [current.formula, current.itemFormula].map((f) => ({ id: f.id, version: f.version, text: input.lang === 'vi' ? f.text : f.textEn })),
    },
  ];
  return toXlsx(sheets, { title: `Hài Lòng ${period} – ${scopeName}`, creator: 'Hài Lòng' });
}
