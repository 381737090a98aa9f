import { Router } from 'express';
import { z } from 'zod';
import { AppError, BadRequestError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { COMMENT_STATUSES, type ResponseDoc } from '../responses/response.model';
import type { RollupStore } from '../rollups/rollup-store';
import { formatters } from '../stats/format';
import { parseStatsQuery } from '../stats/stats-query';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { audit } from './audit';
import { readableUnits } from './readable-units';
import { manageableResponse } from './scoped-responses';
import { clusterMembers } from './review-clusters';
import { assertCanDecideReview, canDecideReview, type Principal } from './scope';
import { pageLinks, parsePage } from './list-paging';
import { afterDecision, recordUnmovedDecisions } from './review-decided';
import { indexedClusterMembers } from '../lists/cluster-members';
import { COMMENT_PAGE, commentPage } from '../lists/comment-list';
import { listIndexesComplete } from '../lists/list-migration';
import { resyncResponses } from '../lists/list-sync';
import { REVIEW_CLUSTERS_PAGE, REVIEW_SINGLES_PAGE, reviewPage } from '../lists/review-list';
const commentUpdate = z.object({
  status: z.enum(COMMENT_STATUSES),
  tags: z
    .string()
    .max(200)
    .transform((v) => [...new Set(v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))])
    .pipe(z.array(z.string().max(30)).max(5)),
});
const reviewDecision = z.object({ decision: z.enum(['include', 'exclude']) });

/**
 * Back to the comment list the admin came from, filters kept. Only our own list page: a relative or garbled
 * Referer must not throw (500), and another origin's path such as `//evil.example/admin/comments` must not
 * become an open redirect.
 */
function backToComments(referer: string | undefined): string {
  try {
    const url = new URL(referer ?? '', 'http://referer.invalid');
    if (url.pathname === '/admin/comments') return url.pathname + url.search;
  } catch {
    // An unparseable Referer: fall back to the list.
  }
  return '/admin/comments';
}

/** Free-text comments with status and tags, and the review of flagged responses (include in or exclude from figures). */
export function reviewRoutes(deps: { models: Models; catalog: SurveyCatalog; clock: () => Date; rollups: RollupStore }): Router {
  const { models, catalog, clock, rollups } = deps;
  const router = Router();

  router.get('/admin/comments', async (req, res) => {
    const query = await parseStatsQuery(models, req.principal!, req.query as Record<string, unknown>, clock());
    const status = typeof req.query.status === 'string' && (COMMENT_STATUSES as readonly string[]).includes(req.query.status) ? req.query.status : '';
    const tag = typeof req.query.tag === 'string' ? req.query.tag.trim().toLowerCase().slice(0, 30) : '';
    const text = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase().slice(0, 100) : '';
    const page = parsePage(req.query.page);
    // From the list index (src/lists/): the first page reads a few documents by `_id`, whatever the number of responses.
    const scope = { kind: query.kind, unit: query.unit.code, from: query.from, to: query.to, level: query.level };
    const result = await commentPage(models, { ...scope, status, tag, text }, page);
    const pages = Math.max(1, Math.ceil(result.total / COMMENT_PAGE));
    res.render('admin/comments', {
      rows: result.rows,
      total: result.total,
      page,
      pages,
      links: pageLinks('/admin/comments', { ...scope, status, tag, q: text }, page, pages),
      partialAfter: result.partialAfter,
      indexComplete: await listIndexesComplete(models),
      filter: { ...query, status, tag, q: text },
      units: await readableUnits(models, req.principal!),
      statuses: COMMENT_STATUSES,
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: req.principal!.label,
    });
  });

  router.post('/admin/comments/:id', async (req, res) => {
    const parsed = commentUpdate.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Invalid status or tags.');
    const response = await manageableResponse(models, req.principal!, String(req.params.id));
    await models.Response.updateOne({ _id: response._id }, { $set: { commentStatus: parsed.data.status, commentTags: parsed.data.tags } });
    await resyncResponses(models.Response.db, [response]);
    await audit(models.Audit, { actor: req.principal!.label, action: 'comment.update', target: response._id, details: parsed.data }, clock());
    res.redirect(303, backToComments(req.get('referer')));
  });

  router.get('/admin/review', async (req, res) => {
    const query = await parseStatsQuery(models, req.principal!, req.query as Record<string, unknown>, clock());
    const page = parsePage(req.query.page);
    const scope = { kind: query.kind, unit: query.unit.code, from: query.from, to: query.to, level: query.level };
    // Undecided flagged answers from the list index (src/lists/review-list.ts); a decision takes them off.
    const result = await reviewPage(models, scope, page);
    const pages = Math.max(1, Math.ceil(result.clusterTotal / REVIEW_CLUSTERS_PAGE), Math.ceil(result.total / REVIEW_SINGLES_PAGE));
    const decides = (r: { unitCode: string; unitAncestors: string[] }) => canDecideReview(req.principal!, { code: r.unitCode, ancestors: r.unitAncestors });
    res.render('admin/review', {
      clusters: result.clusters.map((c) => ({ ...c, canDecide: decides(c) })),
      rows: result.singles.map((r) => ({ ...r, canDecide: decides(r) })),
      total: result.total,
      clusterTotal: result.clusterTotal,
      page,
      pages,
      links: pageLinks('/admin/review', scope, page, pages),
      partialAfter: result.partialAfter,
      indexComplete: await listIndexesComplete(models),
      filter: query,
      units: await readableUnits(models, req.principal!),
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: req.principal!.label,
    });
  });

  /** Who may decide, and only about flagged answers (an unflagged answer is not up for review: 409). */
  function assertDecidable(principal: Principal, response: ResponseDoc): void {
    assertCanDecideReview(principal, { code: response.unitCode, ancestors: response.unitAncestors });
    if (response.flags.length === 0) throw new AppError(409, 'review_not_flagged', 'Only flagged answers can be included or excluded.');
  }
  const scaleOf = (r: ResponseDoc) => catalog.scaleOf(r.surveyKey, r.surveyVersion);

  /**
   * Include or exclude one flagged response (the rollup store's decide: exactly once, through the change journal). A decision
   * that changes nothing (a double click) is not audited twice.
   */
  router.post('/admin/review/:id', async (req, res) => {
    const parsed = reviewDecision.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Unknown decision.');
    const response = await manageableResponse(models, req.principal!, String(req.params.id));
    assertDecidable(req.principal!, response);
    const include = parsed.data.decision === 'include';
    const now = clock();
    const moved = response.counted !== include && (await rollups.decide([response], { include, reason: 'review', reviewer: req.principal!.label }, await scaleOf(response))) === 1;
    // Excluding an answer that is already out moves nothing, but it is a decision too: the answer leaves the list.
    const decided = moved || (await recordUnmovedDecisions(models, [response], req.principal!.label, now)) > 0;
    if (decided) await audit(models.Audit, { actor: req.principal!.label, action: `review.${parsed.data.decision}`, target: response._id, details: { flags: response.flags } }, now);
    await afterDecision(models, [response]);
    res.redirect(303, '/admin/review');
  });

  /**
   * Include or exclude a whole cluster (review-clusters.ts) in one audited action. The rollup store flips each
   * answer atomically, so each is added to or removed from the rollups exactly once, however often the button is
   * pressed, and moves the rollup with one increment per cell.
   */
  router.post('/admin/review/clusters/:key', async (req, res) => {
    const parsed = reviewDecision.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Unknown decision.');
    const key = String(req.params.key);
    // By the cluster's member documents once every stored answer is indexed; before that, by searching the responses.
    const members = (await listIndexesComplete(models)) ? await indexedClusterMembers(models, key) : await clusterMembers(models, key);
    if (members.length === 0) throw new NotFoundError();
    for (const member of members) assertDecidable(req.principal!, member);
    const include = parsed.data.decision === 'include';
    const now = clock();
    const pending = members.filter((m) => m.counted !== include);
    const moved = await rollups.decide(pending, { include, reason: 'review', reviewer: req.principal!.label }, await scaleOf(members[0]!));
    const decidedNow = await recordUnmovedDecisions(models, members, req.principal!.label, now);
    if (moved || decidedNow) {
      const flags = [...new Set(members.flatMap((m) => m.flags))];
      await audit(models.Audit, { actor: req.principal!.label, action: `review.cluster.${parsed.data.decision}`, target: key, details: { answers: members.length, changed: moved, flags } }, now);
    }
    await afterDecision(models, members);
    res.redirect(303, '/admin/review');
  });
  return router;
}
