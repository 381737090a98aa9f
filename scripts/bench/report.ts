import type { B1Result } from './b1-form-page';
import { POLL_MS, type B2Result } from './b2-submission';
import { ANSWERS_PER_SEC, type B3Result } from './b3-stats';
import type { B4Result } from './b4-monthly';
import { b5Markdown, b5Verdicts, type B5Result } from './b5-lists';
import { b7Markdown, b7Verdicts, type B7Result } from './b7-report';
import type { MachineInfo } from './machine';
import type { RollupCheck } from './rollup-check';
import type { Frame } from './profile';
import { round, sizeLabel } from './stats';

export interface SeedRecord {
  size: number;
  inserted: number;
  figures: number;
  views: number;
  ms: number;
  /** rebuildRollups(…, { fix: false }).differences.length after seeding, when checked */
  differences?: number;
}

export interface BenchReport {
  machine: MachineInfo;
  command: string;
  startedAt: Date;
  durationSec: number;
  settings: {
    units: number;
    links: number;
    sizes: number[];
    connections: number;
    durationSec: number;
    b3Requests: number;
    subscriptions: number;
    logLevel: string;
    appProcess: string;
  };
  seeding: SeedRecord[];
  b1?: B1Result;
  /** B1 with the app and bare express on Node.js 24, the production runtime (absent when the machine's is 24) */
  b1Node24?: B1Result;
  /** B6: the public results page on Node.js 24 against bare express serving its bytes, and its first request */
  b6?: B1Result & { firstMs: number };
  b2?: B2Result;
  /** B2 again, every answer with a comment and every tenth with a contact */
  b2Comments?: B2Result;
  b3: B3Result[];
  /** the first stats request after the app restarted, at the largest size (no copy of figures survives a restart) */
  firstAfterRestart?: { responses: number; ms: number };
  b4?: B4Result;
  /** B5 per size (b5-lists.ts) */
  b5?: B5Result[];
  /** B7 at the largest size (b7-report.ts) */
  b7?: B7Result;
  rss?: { peakBytes: number; hwmBytes?: number; kernelPeaks?: boolean; samples: number; phases: { name: string; peakBytes: number }[] };
  profiles: { name: string; frames: Frame[] }[];
  notes: string[];
}

export type Status = 'PASS' | 'MISS' | 'NOT RUN';

/** Sizes run when --sizes is not given: what finishes in about half an hour on a 2-core machine. */
export const DEFAULT_SIZES = [10_000, 100_000];

export interface Verdict {
  case: string;
  measured: string;
  target: string;
  status: Status;
  reason?: string;
}

const MB = 1e6;
const gap = (c: RollupCheck) =>
  `${c.countedResponses - c.rolledUpRespondents} of ${c.countedResponses} counted responses missing from the province's figure documents`;
const ms = (value: number) => `${round(value, value < 10 ? 1 : 0)} ms`;
const perSec = (value: number) => `${round(value, value < 100 ? 1 : 0)}/s`;
const x = (value: number) => `${round(value, 2)}×`;
const count = sizeLabel;

/** Every target of the issue against what was measured; a case that did not run says so. */
export function verdicts(report: BenchReport): Verdict[] {
  const out: Verdict[] = [];
  const { b1, b2, b4, rss } = report;
  const rebuild = b2?.rollups?.app;
  const b1Verdict = (name: string, result: B1Result | undefined): Verdict =>
    result
      ? {
          case: name,
          measured: `${perSec(result.app.requestsPerSec)} vs bare ${perSec(result.bare.requestsPerSec)} = ${x(result.ratio)}`,
          target: '≥ 0.5× bare express',
          status: result.ratio >= 0.5 ? 'PASS' : 'MISS',
        }
      : { case: name, measured: '–', target: '≥ 0.5× bare express', status: 'NOT RUN' };
  // Node.js 24 is production's runtime, so its B1 is the headline; on a machine that runs 24, the B1 is that run.
  out.push(
    report.b1Node24 || !b1
      ? b1Verdict('B1 form page throughput, Node.js 24 (production)', report.b1Node24)
      : b1Verdict(`B1 form page throughput, Node.js ${report.machine.node}`, b1),
  );
  if (report.b1Node24) out.push(b1Verdict(`B1 form page throughput, Node.js ${report.machine.node} (this machine's)`, b1));
  out.push(b1Verdict('B6 public results page throughput, Node.js 24', report.b6));
  const b2Verdicts = (name: string, result: B2Result | undefined, floor: number): Verdict[] => {
    const target = `≥ ${floor}× raw inserts`;
    if (!result) return [{ case: name, measured: '–', target, status: 'NOT RUN' }];
    const out: Verdict[] = [
      {
        case: name,
        measured: `${perSec(result.app.submissionsPerSec)} vs raw single-document inserts ${perSec(result.raw.submissionsPerSec)} = ${x(result.ratio)}`,
        target,
        status: result.ratio >= floor ? 'PASS' : 'MISS',
      },
    ];
    const fresh = result.freshness;
    out.push(
      fresh
        ? {
            case: `${name}: freshness on a second instance`,
            measured: `${fresh.probes} probes: p50 ${ms(fresh.p50Ms)}, p95 ${ms(fresh.p95Ms)}, max ${ms(fresh.maxMs)}${fresh.unseen ? `, ${fresh.unseen} unseen after 10 s` : ''}`,
            target: '≤ 2 s',
            status: fresh.probes > 0 && !fresh.unseen && fresh.maxMs <= 2000 ? 'PASS' : 'MISS',
          }
        : { case: `${name}: freshness on a second instance`, measured: '–', target: '≤ 2 s', status: 'NOT RUN' },
    );
    return out;
  };
  out.push(...b2Verdicts('B2 submissions', b2, 0.25));
  out.push(
    b2
      ? { case: 'B2 POST p99', measured: ms(b2.app.p99Ms), target: '≤ 150 ms', status: b2.app.p99Ms <= 150 ? 'PASS' : 'MISS' }
      : { case: 'B2 POST p99', measured: '–', target: '≤ 150 ms', status: 'NOT RUN' },
  );
  out.push(...b2Verdicts('B2 submissions, each with a comment, every tenth with a contact', report.b2Comments, 0.2));
  out.push(
    rebuild
      ? {
          case: 'Figures after B2: rebuilt = incremental',
          measured: `${rebuild.differences} of ${rebuild.figures} figure documents differ${rebuild.differences ? `; ${gap(rebuild)}` : ''}`,
          target: '0 differences',
          status: rebuild.differences === 0 ? 'PASS' : 'MISS',
        }
      : { case: 'Rollups after B2: rebuilt = incremental', measured: '–', target: '0 differences', status: 'NOT RUN' },
  );
  const sorted = [...report.b3].sort((a, b) => a.responses - b.responses);
  const smallest = sorted[0];
  const largest = sorted[sorted.length - 1];
  const at1M = sorted.find((r) => r.responses === 1_000_000);
  for (const endpoint of ['api', 'admin'] as const) {
    const label = endpoint === 'api' ? 'B3 GET /api/v1/stats p95' : 'B3 GET /admin/dashboard p95';
    if (!largest || !smallest) {
      out.push({ case: label, measured: '–', target: '≤ 150 ms at 1M', status: 'NOT RUN' });
      continue;
    }
    const at = at1M ?? largest;
    const p95 = at[endpoint].p95Ms;
    out.push({
      case: `${label} at ${count(at.responses)}`,
      measured: ms(p95),
      target: '≤ 150 ms at 1M',
      status: at1M ? (p95 <= 150 ? 'PASS' : 'MISS') : 'NOT RUN',
      ...(at1M ? {} : { reason: `1M not run; at ${count(at.responses)} (the largest size run) it is ${p95 <= 150 ? 'within' : 'over'} 150 ms` }),
    });
    if (smallest !== at) {
      const growth = p95 / smallest[endpoint].p95Ms;
      out.push({
        case: `${label} ${count(at.responses)} vs ${count(smallest.responses)}`,
        measured: `${ms(p95)} / ${ms(smallest[endpoint].p95Ms)} = ${x(growth)}`,
        target: '≤ 1.5× the 10k figure (at 1M)',
        status: at1M && smallest.responses === 10_000 ? (growth <= 1.5 ? 'PASS' : 'MISS') : 'NOT RUN',
        ...(at1M && smallest.responses === 10_000
          ? {}
          : { reason: `1M vs 10k not both run; ${count(at.responses)} vs ${count(smallest.responses)} is ${growth <= 1.5 ? 'within' : 'over'} 1.5×` }),
      });
    }
  }
  const answering = (at1M ?? largest)?.apiAnswering;
  if (answering && largest) {
    const at = at1M ?? largest;
    out.push({
      case: `B3 GET /api/v1/stats p95 at ${count(at.responses)} while ${ANSWERS_PER_SEC} answers a second arrive`,
      measured: `${ms(answering.p95Ms)} (${answering.answered} answers)`,
      target: '≤ 150 ms at 1M',
      status: at1M ? (answering.p95Ms <= 150 ? 'PASS' : 'MISS') : 'NOT RUN',
      ...(at1M ? {} : { reason: `1M not run; at ${count(at.responses)} it is ${answering.p95Ms <= 150 ? 'within' : 'over'} 150 ms` }),
    });
  }
  const restart = report.firstAfterRestart;
  out.push(
    restart
      ? {
          case: `B3 first /api/v1/stats after a restart at ${count(restart.responses)}`,
          measured: ms(restart.ms),
          target: '≤ 1 s',
          status: restart.ms <= 1000 ? 'PASS' : 'MISS',
        }
      : { case: 'B3 first /api/v1/stats after a restart', measured: '–', target: '≤ 1 s', status: 'NOT RUN' },
  );
  out.push(
    rss
      ? {
          case: 'Peak server RSS during B1–B3',
          measured: `${round(rss.peakBytes / MB, 0)} MB`,
          target: '≤ 250 MB',
          status: rss.peakBytes <= 250 * MB ? 'PASS' : 'MISS',
        }
      : { case: 'Peak server RSS during B1–B3', measured: '–', target: '≤ 250 MB', status: 'NOT RUN' },
  );
  if (b4) {
    const projected = b4.ran < b4.subscriptions;
    const sec = (v: number) => `${round(v / 1000, 1)} s`;
    out.push({
      case: `B4 monthly run, ${b4.subscriptions} subscriptions`,
      measured: projected
        ? `${sec(b4.projectedMs)} projected (${b4.ran} of ${b4.subscriptions} took ${sec(b4.durationMs)})`
        : `${sec(b4.durationMs)} (${b4.sent} sent, ${b4.received} received)`,
      target: '≤ 60 s, all sent',
      status: b4.projectedMs <= 60_000 && b4.sent === b4.ran ? 'PASS' : 'MISS',
      ...(projected ? { reason: 'full run skipped: its projection exceeded the time budget' } : {}),
    });
  } else out.push({ case: 'B4 monthly run', measured: '–', target: '≤ 60 s', status: 'NOT RUN' });
  out.push(...b5Verdicts(report.b5 ?? []));
  out.push(...b7Verdicts(report.b7));
  return out;
}

/** The verdict table for the terminal. */
export function consoleTable(report: BenchReport): string {
  const rows = verdicts(report).map((v) => [v.case, v.measured, v.target, v.status]);
  const header = ['case', 'measured', 'target', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

const table = (header: string[], rows: (string | number)[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** docs/benchmarks.md: the machine, the command, the verdicts, every figure, how it was measured, and `findings`. */
export function renderMarkdown(report: BenchReport, findings: string): string {
  const { machine, settings } = report;
  const parts: string[] = [];
  parts.push(
    `# Benchmarks\n\nWritten by \`npm run bench\` (scripts/bench/). Benchmarks are not timed tests: CI does not run them; \`test/integration/bench-smoke.test.ts\` runs every case once at a tiny size and checks only that it produces numbers.`,
  );
  parts.push(
    `## Run\n\n${table(
      ['', ''],
      [
        ['date', report.startedAt.toISOString()],
        ['command', `\`${report.command}\``],
        ['took', `${Math.round(report.durationSec / 60)} min`],
        ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
        ['memory', `${machine.memoryGiB} GiB`],
        ['OS', machine.os],
        ['Node.js', machine.node],
        ['database', machine.database],
        ['app', settings.appProcess],
        ['province', `${settings.units} units, ${settings.links} links`],
        ['load', `autocannon, ${settings.connections} connections, ${settings.durationSec} s per side, pipelining 1`],
      ],
    )}`,
  );
  parts.push(
    `## Results\n\n${table(
      ['case', 'measured', 'target', 'status'],
      verdicts(report).map((v) => [v.case, v.measured, v.target, v.reason ? `**${v.status}** (${v.reason})` : `**${v.status}**`]),
    )}`,
  );

  if (report.b1) {
    const rows = (result: B1Result, runtime: string) => [
      [
        `app (\`node dist/src/server.js\`), ${runtime}`,
        round(result.app.requestsPerSec, 0),
        ms(result.app.p50Ms),
        ms(result.app.p99Ms),
        result.app.requests,
        result.app.non2xx,
        result.app.errors,
      ],
      [
        `bare express, same bytes from memory, ${runtime}`,
        round(result.bare.requestsPerSec, 0),
        ms(result.bare.p50Ms),
        ms(result.bare.p99Ms),
        result.bare.requests,
        result.bare.non2xx,
        result.bare.errors,
      ],
    ];
    parts.push(
      `## B1 form page\n\n\`GET ${report.b1.path.replace(/\/s\/.*/, '/s/:code')}\` (${report.b1.pageBytes} bytes), after a warm-up of both servers, each pair on one runtime.\n\n${table(
        ['server', 'requests/s', 'p50', 'p99', 'requests', 'non-2xx', 'errors'],
        [
          ...rows(report.b1, `Node.js ${report.machine.node}`),
          ...(report.b1Node24 ? rows(report.b1Node24, 'Node.js 24') : []),
          ...(report.b6 ? rows(report.b6, `B6 \`GET /cong-khai\` (${report.b6.pageBytes} bytes; first request ${report.b6.firstMs} ms), Node.js 24`) : []),
        ],
      )}${
        report.b1.views
          ? `\n\nEvery form view is counted in the app's memory and written as one \`$inc\` per link and month, at once every 5,000 views and otherwise within a minute (\`src/forms/view-counter.ts\`). The app served ${report.b1.views.served} views of this link (warm-up included); its counter recorded **${report.b1.views.recorded}** (${round((100 * report.b1.views.recorded) / Math.max(1, report.b1.views.served), 1)} %), ${report.b1.views.drained ? `all of them written **${round(report.b1.views.drainMs / 1000, 1)} s** after the load stopped` : `short of the views served when the bench stopped waiting after ${round(report.b1.views.drainMs / 1000, 1)} s`}.`
          : ''
      }`,
    );
  }
  for (const [title, result] of [
    ['B2 submission', report.b2],
    ['B2 submission with comments', report.b2Comments],
  ] as const) {
    if (result) parts.push(b2Markdown(title, result));
  }
  if (report.b3.length) {
    parts.push(
      `## B3 dashboard and stats API\n\nOne request at a time after 2 warm-up requests (at most 30 s of them): \`GET /api/v1/stats?kind=education&unit=SGD\` (bearer token, province-wide, default 12 months), \`GET /admin/dashboard?kind=education&unit=SGD\` (signed-in super admin, same scope) and \`GET /admin\` (the overview: both survey kinds and the dossiers, same session). The API once more while answers arrive through the app at ${ANSWERS_PER_SEC} a second: each changes the current month, which a request then decodes afresh, where the quiet runs find all 12 months unchanged since the last request.\n\n${table(
        [
          'responses',
          'API p50',
          'API p95',
          `API p95, ${ANSWERS_PER_SEC} answers/s arriving`,
          'dashboard p50',
          'dashboard p95',
          'overview p50',
          'overview p95',
          'requests each',
          'figure docs read (12 months, province)',
          'link views in the range',
          'figure read',
          'link-view scan',
        ],
        report.b3.map((r) => [
          count(r.responses),
          ms(r.api.p50Ms),
          ms(r.api.p95Ms),
          r.apiAnswering ? ms(r.apiAnswering.p95Ms) : '–',
          ms(r.admin.p50Ms),
          ms(r.admin.p95Ms),
          r.overview ? ms(r.overview.p50Ms) : '–',
          r.overview ? ms(r.overview.p95Ms) : '–',
          r.api.requests,
          r.queries?.figureDocs ?? '–',
          r.queries?.viewDocs ?? '–',
          r.queries ? ms(r.queries.figureFindMs) : '–',
          r.queries ? ms(r.queries.viewFindMs) : '–',
        ]),
      )}\n\n"figure read" is what computeStats reads for the province, timed alone from the bench process (median of 3): the 12 months' figure documents by \`_id\` (\`readFigureDocs\`); "link-view scan" is \`LinkView.find({ period: 12 months })\`, a filtered scan it no longer makes, for scale.`,
    );
  }
  if (report.b5?.length) parts.push(b5Markdown(report.b5));
  if (report.b7) parts.push(b7Markdown(report.b7));
  if (report.seeding.length) {
    parts.push(
      `## Data\n\n${table(
        ['size', 'responses inserted', 'figure docs', 'link-view docs', 'seeding took', 'rebuild check'],
        report.seeding.map((s) => [
          count(s.size),
          s.inserted,
          s.figures,
          s.views,
          `${Math.round(s.ms / 1000)} s`,
          s.differences === undefined ? 'not run' : `${s.differences} differences`,
        ]),
      )}\n\nEvery size holds real response documents (the demo generator \`syntheticResponses\` over the bench province's links, 12 months). Their figure documents are the product's own fan-out (\`changeWrites\`) summed in memory and written as whole documents (FerretDB v1 takes plain inserts far faster than thousands of \`$inc\` updates); the rebuild check (\`rebuildRollups\` recounting the stored responses) confirms they are exactly what the incremental path produces. Form views are written as \`recordView\` leaves them, one document per link and month, at 1.25 views per response.`,
    );
  }
  if (report.rss) {
    parts.push(
      `## Server memory\n\nRSS of the app process sampled every 200 ms from /proc/<pid>/status (${report.rss.samples} samples)${report.rss.kernelPeaks ? ", and per phase the kernel's high-water mark (VmHWM, reset through /proc/<pid>/clear_refs at the start of each phase, so a spike between samples counts); a phase's peak is the higher of the two" : ''}. VmHWM at the end: ${report.rss.hwmBytes ? `${round(report.rss.hwmBytes / MB, 0)} MB` : 'n/a'}${report.rss.kernelPeaks ? ' (since the start of the last phase)' : ''}.\n\n${table(
        ['phase', 'peak RSS'],
        report.rss.phases.map((p) => [p.name, `${round(p.peakBytes / MB, 0)} MB`]),
      )}`,
    );
  }
  if (report.b4) {
    const b4 = report.b4;
    const perSummary = b4.durationMs / Math.max(1, b4.ran);
    parts.push(
      `## B4 monthly run\n\n\`runMonthlyReport\` for period ${b4.period}, on the ${count(report.b3[0]?.responses ?? 0)} size, subscriptions one per unit (every summary a different scope, none shared), mail to a local smtp-server sink. ${
        b4.ran < b4.subscriptions
          ? `A sample of ${b4.ran} subscriptions spread over the ${b4.subscriptions} ran first and took ${round(b4.durationMs / 1000, 1)} s (${round(perSummary / 1000, 2)} s per summary, ${b4.sent} sent, ${b4.received} received); the full run would take about ${round(b4.projectedMs / 1000, 0)} s, past the bench's time budget, so it was not run.`
          : `All ${b4.ran} ran: ${round(b4.durationMs / 1000, 1)} s, ${b4.sent} sent, ${b4.failed} failed, ${b4.retrying} retrying, ${b4.received} messages received (${round(b4.mailBytes / MB, 1)} MB), ${round(perSummary, 0)} ms per summary.`
      }`,
    );
  }
  for (const profile of report.profiles) {
    parts.push(
      `## Profile: ${profile.name}\n\nTop frames by self time (share of busy samples, idle excluded).\n\n${table(
        ['function', 'where', 'self'],
        profile.frames.map((f) => [`\`${f.name}\``, f.where ? `\`${f.where}\`` : '', `${round(f.selfPercent, 1)} %`]),
      )}`,
    );
  }
  if (report.notes.length) parts.push(`## Notes from this run\n\n${report.notes.map((n) => `- ${n}`).join('\n')}`);
  parts.push(findings.trim());
  parts.push(
    `## How to run\n\n\`\`\`sh\nnpm run bench                                   # default sizes ${DEFAULT_SIZES.map(count).join(',')}\nnpm run bench -- --sizes 10000,100000,1000000   # the issue's three sizes (1M seeds in about 4 minutes)\nnpm run bench -- --duration 20 --connections 20 --b3-requests 60 --subscriptions 500 --profile\n\`\`\`\n\nWithout \`MONGODB_URI\` the bench starts its own FerretDB in a temporary directory and removes it afterwards; with it, it uses (and empties) the database \`hailong_bench\` on that server.`,
  );
  return `${parts.join('\n\n')}\n`;
}

function b2Markdown(title: string, result: B2Result): string {
  const { app, raw, freshness } = result;
  const carries = result.carries ? `, with ${result.carries}` : '';
  return `## ${title}\n\n${result.settings.connections} virtual respondents, each looping: load a form (one of ${result.forms} links across the province), take its \`_token\`, post every answer${carries}, expect 303; each from an address of its own. The baseline is the database's own single-document insert rate in the same run: as many workers on the bare driver, each inserting one response-sized document per call.\n\n${table(
    ['side', 'submissions/s', 'p50 per submission', 'p99', 'stored', 'failed'],
    [
      ['app: GET form + POST', round(app.submissionsPerSec, 1), `${ms(app.p50Ms)} (POST)`, `${ms(app.p99Ms)} (POST)`, app.stored, app.failed],
      ['raw driver: one insert', round(raw.submissionsPerSec, 1), ms(raw.p50Ms), ms(raw.p99Ms), raw.stored, raw.failed],
    ],
  )}${
    freshness
      ? `\n\nFreshness, while the app side ran: ${freshness.probes} probe answers on a link nothing else answers, one after another; from each 303 until \`/api/v1/stats\` on a second app instance counted it (read every ${POLL_MS} ms, so up to that much late): p50 ${ms(freshness.p50Ms)}, p95 ${ms(freshness.p95Ms)}, max ${ms(freshness.maxMs)}${freshness.unseen ? `; ${freshness.unseen} not seen within 10 s` : ''}.`
      : ''
  }${result.appDrainMs === undefined ? '' : `\n\nThe app's queued view writes took ${round(result.appDrainMs / 1000, 1)} s to drain after its side; the baseline ran after that.`}${
    result.rollups
      ? `\n\nFigure documents checked with \`rebuildRollups(models, scaleOf, { fix: false })\` after each side (warm-up included), once the projector's inbox is empty and no batch is open (at most 120 s), then repaired with \`{ fix: true }\` so the next step starts from exact figures:\n\n${table(
          [
            'after',
            'projector work at the end → after waiting',
            'differing figure documents',
            'counted responses',
            'Σ respondents in the province documents',
            'missing',
          ],
          (['app', 'raw'] as const).map((side) => {
            const c = result.rollups![side];
            return [
              side === 'app' ? 'app submissions' : 'raw-driver writes',
              `${c.marksAtStart} → ${c.marksLeft} (${round(c.waitedMs / 1000, 0)} s)`,
              `${c.differences} of ${c.figures}`,
              c.countedResponses,
              c.rolledUpRespondents,
              c.countedResponses - c.rolledUpRespondents,
            ];
          }),
        )}`
      : ''
  }`;
}
