import { buildSummaryView, type SummaryInput } from './summary-model';
import { CHART_HEIGHT, CHART_WIDTH, renderSummaryHtml, TREND_CID } from './summary-html';
import { renderSummaryText } from './summary-text';
import { summaryWorkbook } from './summary-workbook';
import { renderTrendPng } from './trend-chart';

export { TREND_CID, type SummaryInput };

export interface MonthlySummary {
  subject: string;
  html: string;
  text: string;
  /** Attach inline with Content-ID `TREND_CID` (the HTML shows it as `cid:trend@hailong`). */
  chartPng: Buffer;
  attachment: { filename: string; content: Buffer; contentType: string };
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// A unit name with a line break would otherwise split the Subject header.
const oneLine = (text: string) => text.replace(/[\s\u2028\u2029]+/g, ' ').trim();

/**
 * The monthly e-mail for one scope, from figures the caller already computed with computeStats, so the mail
 * shows the dashboard's numbers. Builds content only: sending and scheduling belong to the caller.
 */
export async function composeMonthlySummary(input: SummaryInput): Promise<MonthlySummary> {
  const view = buildSummaryView(input);
  const { s, monthCell: month } = view;
  const scope = oneLine(input.scopeName);
  const subject = s.subject(view.periodLabel, scope, month.share === null ? null : view.month.share, month.target === null ? null : view.month.target);

  const [chartPng, workbook] = await Promise.all([
    renderTrendPng(view.chartPoints, {
      title: s.chartTitle(scope),
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      labels: { share: s.chartShare, target: s.chartTarget },
    }),
    summaryWorkbook(input, month),
  ]);

  return {
    subject,
    html: renderSummaryHtml(view, subject, input.lang),
    text: renderSummaryText(view, subject),
    chartPng,
    attachment: { filename: `hailong-${input.period}.xlsx`, content: workbook, contentType: XLSX_TYPE },
  };
}
