import { escapeHtml as e, isWebUrl } from '../mail/escape-html';
import type { FigureView, RankedView, SummaryView } from './summary-model';

/** Content-ID the caller gives the chart attachment; a remote image would be blocked or would track readers. */
export const TREND_CID = 'trend@hailong';
export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 320;

// Mail clients drop <style> blocks and most CSS: tables for layout, inline styles, web-safe fonts.
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const CELL = `${FONT}font-size:14px;line-height:20px;color:#111827;`;
const MUTED = `${FONT}font-size:12px;line-height:18px;color:#4b5563;`;
const H2 = `${FONT}font-size:16px;line-height:22px;font-weight:bold;color:#111827;margin:0 0 8px 0;`;

const row = (inner: string, padding = '12px 24px', background = '') =>
  `<tr><td${background ? ` bgcolor="${background}"` : ''} style="padding:${padding};${background ? `background:${background};` : ''}">${inner}</td></tr>`;

function pairs(items: [string, string][]): string {
  const lines = items.map(
    ([label, value]) =>
      `<tr><td style="${CELL}padding:4px 12px 4px 0;color:#4b5563;">${e(label)}</td><td style="${CELL}padding:4px 0;font-weight:bold;">${e(value)}</td></tr>`,
  );
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${lines.join('')}</table>`;
}

function ranking(title: string, rows: RankedView[], empty: string): string {
  const body = rows.length
    ? rows
        .map(
          (r) =>
            `<tr><td style="${CELL}padding:4px 8px;border-bottom:1px solid #e5e7eb;">${e(r.label)}</td>` +
            `<td align="right" width="80" style="${CELL}padding:4px 8px;border-bottom:1px solid #e5e7eb;white-space:nowrap;font-weight:bold;">${e(r.share)}</td>` +
            `<td align="right" width="80" style="${MUTED}padding:4px 8px;border-bottom:1px solid #e5e7eb;white-space:nowrap;">n = ${e(r.n)}</td></tr>`,
        )
        .join('')
    : `<tr><td style="${MUTED}padding:4px 8px;">${e(empty)}</td></tr>`;
  return `<p style="${H2}">${e(title)}</p><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${body}</table>`;
}

export function renderSummaryHtml(view: SummaryView, subject: string, lang: string): string {
  const { s } = view;
  const link = isWebUrl(view.dashboardUrl)
    ? `<a href="${e(view.dashboardUrl)}" style="${FONT}font-size:14px;font-weight:bold;color:#1d4ed8;">${e(s.dashboard)}</a>`
    : `<span style="${CELL}">${e(s.dashboard)}: ${e(view.dashboardUrl)}</span>`;
  const rows = [
    row(
      `<p style="${FONT}font-size:13px;line-height:18px;color:#dbeafe;margin:0;">Hài Lòng</p>` +
        `<p style="${FONT}font-size:20px;line-height:26px;font-weight:bold;color:#ffffff;margin:4px 0 0 0;">${e(s.heading(view.periodLabel))} – ${e(view.scopeName)}</p>`,
      '16px 24px',
      '#1e3a8a',
    ),
    row(
      `<p style="${MUTED}margin:0;">${e(s.monthShare(view.periodLabel))}</p>` +
        `<p style="${FONT}font-size:36px;line-height:44px;font-weight:bold;color:#111827;margin:4px 0;">${e(view.month.share)}</p>` +
        pairs([
          [s.respondents, view.month.n],
          [s.interval, view.month.ci],
          [s.target, view.month.target],
          [s.status, view.month.status],
        ]),
      '20px 24px 8px 24px',
    ),
    row(
      `<p style="${CELL}margin:0;">${e(view.twelve.label)}: <b>${e(view.twelve.share)}</b> (n = ${e(view.twelve.n)}; ${e(s.interval)} ${e(view.twelve.ci)}; ${e(view.twelve.status)})</p>`,
    ),
    row(
      pairs([
        [s.vsPrevious, view.vsPrevious],
        [s.vsLastYear, view.vsLastYear],
      ]),
    ),
    row(
      `<img src="cid:${TREND_CID}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" alt="${e(s.chartAlt)}" ` +
        `style="display:block;width:100%;max-width:${CHART_WIDTH}px;height:auto;border:0;">`,
      '8px 0',
    ),
    row(ranking(s.worstUnits, view.worst, s.none)),
    row(ranking(s.bestUnits, view.best, s.none)),
    row(ranking(s.lowestSections, view.sections, s.noneSections)),
    ...(view.onTime ? [row(onTimeHtml(view))] : []),
    ...(view.oneStop ? [row(oneStopHtml(view))] : []),
    ...(view.cases ? [row(casesHtml(view))] : []),
    row(`<p style="${CELL}margin:0 0 12px 0;">${e(s.newComments)}: <b>${e(view.newComments)}</b></p>${link}`),
    row(
      `<p style="${MUTED}margin:0;">${e(s.formula)} ${e(view.formula.id)} v${e(view.formula.version)}: ${e(view.formula.text)}</p>` +
        `<p style="${MUTED}margin:8px 0 0 0;">${e(s.hiddenNote(view.k))}</p>`,
    ),
    row(`<p style="${MUTED}margin:0;border-top:1px solid #e5e7eb;padding-top:12px;">${e(s.footer)}</p>`, '12px 24px 20px 24px'),
  ];
  return [
    '<!DOCTYPE html>',
    `<html lang="${e(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f3f4f6;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f3f4f6"><tr><td align="center" style="padding:16px 8px;">',
    `<table role="presentation" width="${CHART_WIDTH}" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:${CHART_WIDTH}px;max-width:100%;background:#ffffff;">`,
    ...rows,
    '</table></td></tr></table></body></html>',
  ].join('\n');
}

/** The on-time tile: its heading, then the month and the 12 months with n, interval, target and status. */
function onTimeHtml(view: SummaryView): string {
  const { s } = view;
  return `<p style="${H2}">${e(s.onTime)}</p>${dossierLine(s, view.onTime!.month)}${dossierLine(s, view.onTime!.twelve)}`;
}

/** One dossier figure: its label, share, count, interval, target and status. */
const dossierLine = (s: SummaryView['s'], v: FigureView & { label: string }) =>
  `<p style="${CELL}margin:4px 0 0 0;">${e(v.label)}: <b>${e(v.share)}</b> (${e(s.dossiers)} ${e(v.n)}; ${e(s.interval)} ${e(v.ci)}; ${e(s.target)} ${e(v.target)}; ${e(v.status)})</p>`;

/** The one-stop shares over 12 months, then the service index's points. */
function oneStopHtml(view: SummaryView): string {
  const { s, oneStop } = view;
  return `<p style="${H2}">${e(s.oneStop)}</p>${oneStop!.shares.map((v) => dossierLine(s, v)).join('')}<p style="${CELL}margin:4px 0 0 0;">${e(oneStop!.index)}</p>`;
}

/** The follow-up cases of the month: opened, closed, overdue, median time to the first contact. */
function casesHtml(view: SummaryView): string {
  const { s, cases } = view;
  return `<p style="${H2}">${e(s.cases)}</p>${pairs([
    [s.casesOpened, cases!.opened],
    [s.casesClosed, cases!.closed],
    [s.casesOverdue, cases!.overdue],
    [s.casesMedian, cases!.medianToContact],
  ])}`;
}
