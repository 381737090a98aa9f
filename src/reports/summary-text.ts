import type { FigureView, RankedView, SummaryView } from './summary-model';

const ranking = (title: string, rows: RankedView[], empty: string) => [
  title,
  ...(rows.length ? rows.map((r, i) => `  ${i + 1}. ${r.label}: ${r.share} (n = ${r.n})`) : [`  ${empty}`]),
  '',
];

/** The plain-text part: the same figures as the HTML, for clients that show text only or read it aloud. */
export function renderSummaryText(view: SummaryView, subject: string): string {
  const { s } = view;
  return [
    subject,
    '',
    `${s.heading(view.periodLabel)} – ${view.scopeName}`,
    '',
    `${s.monthShare(view.periodLabel)}: ${view.month.share}`,
    `  ${s.respondents}: ${view.month.n}`,
    `  ${s.interval}: ${view.month.ci}`,
    `  ${s.target}: ${view.month.target}`,
    `  ${s.status}: ${view.month.status}`,
    '',
    `${view.twelve.label}: ${view.twelve.share} (n = ${view.twelve.n}; ${s.interval} ${view.twelve.ci}; ${view.twelve.status})`,
    '',
    `${s.vsPrevious}: ${view.vsPrevious}`,
    `${s.vsLastYear}: ${view.vsLastYear}`,
    '',
    ...ranking(s.worstUnits, view.worst, s.none),
    ...ranking(s.bestUnits, view.best, s.none),
    ...ranking(s.lowestSections, view.sections, s.noneSections),
    ...onTimeLines(view),
    ...oneStopLines(view),
    ...caseLines(view),
    `${s.newComments}: ${view.newComments}`,
    `${s.dashboard}: ${view.dashboardUrl}`,
    '',
    `${s.formula} ${view.formula.id} v${view.formula.version}: ${view.formula.text}`,
    s.hiddenNote(view.k),
    '',
    '-- ',
    s.footer,
    '',
  ].join('\n');
}

/** The on-time tile, when the scope has dossiers: the month and the 12 months on one line each. */
function onTimeLines(view: SummaryView): string[] {
  if (!view.onTime) return [];
  const { s } = view;
  return [s.onTime, dossierLine(s, view.onTime.month), dossierLine(s, view.onTime.twelve), ''];
}

/** One dossier figure on a line: its label, share, count, interval, target and status. */
const dossierLine = (s: SummaryView['s'], v: FigureView & { label: string }) =>
  `  ${v.label}: ${v.share} (${s.dossiers} ${v.n}; ${s.interval} ${v.ci}; ${s.target} ${v.target}; ${v.status})`;

/** The one-stop shares over 12 months and the service index, when the scope received dossiers. */
function oneStopLines(view: SummaryView): string[] {
  if (!view.oneStop) return [];
  const { s } = view;
  return [s.oneStop, ...view.oneStop.shares.map((v) => dossierLine(s, v)), `  ${view.oneStop.index}`, ''];
}

/** The follow-up cases of the month, when there are any. */
function caseLines(view: SummaryView): string[] {
  if (!view.cases) return [];
  const { s, cases } = view;
  return [
    s.cases,
    `  ${s.casesOpened}: ${cases.opened}; ${s.casesClosed}: ${cases.closed}; ${s.casesOverdue}: ${cases.overdue}; ${s.casesMedian}: ${cases.medianToContact}`,
    '',
  ];
}
