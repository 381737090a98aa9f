import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { ON_TIME_FORMULA } from '../dossiers/on-time';
import { NotFoundError } from '../errors';
import { toCsv } from '../exports/csv';
import type { LimitStores } from '../http/rate-limit-store';
import { pageViewsPerIp } from '../http/rate-limits';
import type { Models } from '../models';
import type { Settles } from '../projector/ports';
import { HEADLINE_FORMULA, SMALL_CELL_DEFAULT_K } from '../stats/formulas';
import { formatters } from '../stats/format';
import { translator, type Lang } from '../i18n';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { OPEN_KINDS, openRange, type OpenFigure, type OpenKind } from './open-data';
import { badgeSvg, trendSvg } from './trend-svg';

/** A row of the open data: a figure without its target's source (the page shows it). */
type OpenRow = Omit<OpenFigure, 'targetSource'>;
import { FRESH_MS, PUBLISHED_MS, PublicFigures, type Published, type UnitFigures } from './public-figures';
import type { Unit } from '../units/unit.model';

/** The open data's licence (issue #27: open data with a licence line). */
export const LICENCE = 'CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)';

const UNIT_CODE = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * The public results (issue #27): `/cong-khai` (the published province), `/cong-khai/:unitCode`, and the same figures
 * as open data (`du-lieu.json`, `du-lieu.csv`). No sign-in and no cookie (mounted before the sessions), a rate
 * limit of its own, and cacheable for as long as a figure may be old (FRESH_MS): `Cache-Control: public` and the
 * ETag express sets, so a repeated request gets 304.
 */
export function publicResultsRoutes(deps: {
  models: Models;
  catalog: SurveyCatalog;
  projector: Settles;
  clock: () => Date;
  smallCellK?: number;
  limits?: LimitStores;
}): Router {
  const router = Router();
  const figures = new PublicFigures({ ...deps, k: deps.smallCellK ?? SMALL_CELL_DEFAULT_K });
  const pages = new RenderedPages(deps.clock);
  router.use('/cong-khai', pageViewsPerIp('public', deps.limits, 300));

  /** Serves what `make` gives for this path, language and list of published units, made at most PUBLISHED_MS ago. */
  const serve = (type: string, make: (published: Published, lang: Lang, req: Request) => Promise<string>) => async (req: Request, res: Response) => {
    const published = await figures.published();
    const lang = res.locals.lang as Lang;
    const page = await pages.get(`${req.path}|${lang}`, published.signature, () => make(published, lang, req));
    res.setHeader('Cache-Control', `public, max-age=${FRESH_MS / 1000}`);
    // Set here, express's send does not hash the page again at each request; it still answers 304 to a match.
    res.setHeader('ETag', page.etag);
    res.type(type).send(page.body);
  };

  router.get(
    '/cong-khai/du-lieu.json',
    serve('application/json', async (published) => JSON.stringify(await openData(figures, published, deps.clock()))),
  );
  router.get(
    '/cong-khai/du-lieu.csv',
    serve('text/csv; charset=utf-8', async (published) => {
      const data = await openData(figures, published, deps.clock());
      // The licence line first, after the byte-order mark: `#` marks it as a comment for the tools that read one.
      const csv = toCsv(data.figures, CSV_COLUMNS);
      return `${csv.slice(0, 1)}# ${LICENCE}; computed ${data.computedAt}\r\n${csv.slice(1)}`;
    }),
  );
  router.get(
    '/cong-khai',
    serve('html', async (published, lang, req) => {
      const roots = published.roots.filter((unit) => published.has(unit.code));
      const res = req.res!;
      return render(res, { pages: await Promise.all(roots.map((unit) => pageOf(figures, unit, published, lang))), f: formatters(lang) });
    }),
  );
  router.get(
    '/cong-khai/:unitCode/badge.svg',
    serve('image/svg+xml', async (published, lang, req) => badgeSvg(badgeText(await figures.figuresOf(publishedUnit(published, req), false), lang))),
  );
  router.get(
    '/cong-khai/:unitCode',
    serve('html', async (published, lang, req) =>
      render(req.res!, { pages: [await pageOf(figures, publishedUnit(published, req), published, lang)], f: formatters(lang) }),
    ),
  );
  return router;
}

/** The results page as a string, to be kept (RenderedPages). */
const render = (res: Response, locals: Record<string, unknown>) =>
  new Promise<string>((resolve, reject) => {
    res.render('public/results', { ...locals, formulas: FORMULAS, freshMinutes: FRESH_MS / 60_000 }, (error, html) => {
      if (error) reject(error);
      else resolve(html);
    });
  });

/** The unit of `:unitCode`, if it is published (404 otherwise). */
function publishedUnit(published: Published, req: Request): Unit {
  const code = String(req.params.unitCode);
  if (!UNIT_CODE.test(code) || !published.has(code)) throw new NotFoundError('This unit is not published.');
  return published.units.get(code)!;
}

/**
 * What the public pages sent, by path, language and list of published units, for PUBLISHED_MS: a page read by a
 * crowd is made once in that time, not once a request (bench B6). Bounded: published units times two languages;
 * all of it is dropped when the list changes. Harmless as the figures themselves are (public-figures.ts).
 */
class RenderedPages {
  private readonly made = new Map<string, { at: number; page: Promise<Rendered> }>();
  private signature = '';

  constructor(private readonly clock: () => Date) {}

  /** What `make` gives for `key` (a path and a language), kept while the published units' `signature` stays the same. */
  get(key: string, signature: string, make: () => Promise<string>): Promise<Rendered> {
    if (signature !== this.signature) {
      this.made.clear();
      this.signature = signature;
    }
    const now = this.clock().getTime();
    const known = this.made.get(key);
    if (known && now - known.at < PUBLISHED_MS) return known.page;
    const page = make().then(rendered);
    this.made.set(key, { at: now, page });
    page.catch(() => this.made.get(key)?.page === page && this.made.delete(key));
    return page;
  }
}

/** A page as sent: its bytes and their ETag, each made once (encoding and hashing it at each request cost 17% of B6). */
interface Rendered {
  body: Buffer;
  etag: string;
}

const rendered = (text: string): Rendered => {
  const body = Buffer.from(text, 'utf8');
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
};

const FORMULAS = { education: HEADLINE_FORMULA.text, tthc: HEADLINE_FORMULA.text, dossiers: ON_TIME_FORMULA.text };

/** One unit's page: its own figures with each kind's trend, and its published children's over 12 months, those below target first. */
async function pageOf(figures: PublicFigures, unit: Unit, published: Published, lang: Lang) {
  const [own, children] = await Promise.all([figures.figuresOf(unit), figures.figuresOfAll(figures.childrenOf(published, unit.code), false)]);
  const rows = children.flatMap((child) => child.figures.filter((f) => f.n > 0));
  const t = translator(lang);
  const trends = Object.fromEntries(
    OPEN_KINDS.map((kind) => {
      const twelve = own.figures.find((f) => f.kind === kind && f.period === '12m');
      return [kind, trendSvg(own.trends[kind], twelve?.target ?? null, `${t('public.trend')}: ${t(`public.kind.${kind}`)}`)];
    }),
  );
  return { ...own, trends, children: rows.sort(concernFirst) };
}

/** The badge's text: the unit's education figure over 12 months (the desk's TTHC one when it has no education answers). */
function badgeText(own: UnitFigures, lang: Lang): string {
  const twelve = (kind: OpenKind) => own.figures.find((f) => f.kind === kind && f.period === '12m');
  const figure = twelve('education')?.n ? twelve('education')! : (twelve('tthc') ?? twelve('education')!);
  const f = formatters(lang);
  const months = lang === 'vi' ? '12 tháng' : '12 months';
  const satisfied = lang === 'vi' ? 'hài lòng' : 'satisfied';
  return figure.share === null ? `n = ${f.int(figure.n)} · ${months}` : `${f.pct(figure.share)} ${satisfied} · n = ${f.int(figure.n)} · ${months}`;
}

const STATUS_ORDER = ['below', 'uncertain', 'met', 'insufficient'];
const concernFirst = (a: OpenFigure, b: OpenFigure) =>
  a.kind.localeCompare(b.kind) ||
  STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
  (a.share ?? 2) - (b.share ?? 2) ||
  a.unit.code.localeCompare(b.unit.code);

/** The open data: every published root by quarter too, and its published children over 12 months. */
async function openData(
  figures: PublicFigures,
  published: Published,
  now: Date,
): Promise<{ computedAt: string; from: string; to: string; licence: string; figures: OpenRow[] }> {
  const units: UnitFigures[] = [];
  for (const root of published.roots.filter((unit) => published.has(unit.code))) {
    units.push(await figures.figuresOf(root), ...(await figures.figuresOfAll(figures.childrenOf(published, root.code), false)));
  }
  const range = units[0]?.range ?? openRange(now);
  const computedAt = units.reduce((oldest, u) => (u.computedAt < oldest ? u.computedAt : oldest), now);
  return {
    computedAt: computedAt.toISOString(),
    from: range.from,
    to: range.to,
    licence: LICENCE,
    figures: units.flatMap((u) =>
      u.figures.map(({ unit, kind, period, from, to, n, share, ci95, target, status }) => ({ unit, kind, period, from, to, n, share, ci95, target, status })),
    ),
  };
}

const CSV_COLUMNS = [
  { header: 'unit_code', value: (f: OpenRow) => f.unit.code },
  { header: 'unit_name', value: (f: OpenRow) => f.unit.name },
  { header: 'kind', value: (f: OpenRow) => f.kind },
  { header: 'period', value: (f: OpenRow) => f.period },
  { header: 'from', value: (f: OpenRow) => f.from },
  { header: 'to', value: (f: OpenRow) => f.to },
  { header: 'n', value: (f: OpenRow) => f.n },
  { header: 'share', value: (f: OpenRow) => f.share },
  { header: 'ci95_low', value: (f: OpenRow) => f.ci95?.[0] },
  { header: 'ci95_high', value: (f: OpenRow) => f.ci95?.[1] },
  { header: 'target', value: (f: OpenRow) => f.target },
  { header: 'status', value: (f: OpenRow) => f.status },
];
