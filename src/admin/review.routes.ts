import { Router } from 'express';
import { z } from 'zod';
import { AppError, BadRequestError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { COMMENT_STATUSES, type ResponseDoc } from '../responses/response.model';
import type { Projector } from '../projector/projector';
import { newItemId } from '../projector/inbox';
import { formatters } from '../stats/format';
import { parseStatsQuery } from '../stats/stats-query';
import { audit } from '../access/audit';
import { readableUnits } from '../access/readable-units';
import { manageableResponse } from '../access/scoped-responses';
import { clusterMembers } from '../review/review-clusters';
import { assertCanDecideReview, canDecideReview, type Principal } from '../access/scope';
import { pageLinks, parsePage } from './list-paging';
import { indexedClusterMembers } from '../review/cluster-members';
import { COMMENT_PAGE, commentPage } from '../review/comment-list';
import { listIndexesComplete } from '../review/list-migration';
import { REVIEW_CLUSTERS_PAGE, REVIEW_SINGLES_PAGE, reviewPage } from '../review/review-list';
const commentUpdate = z.object({
  status: z.enum(COMMENT_STATUSES),
  tags: z
    .string()
    .max(200)
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean),
      ),
    ])
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
export function reviewRoutes(deps: { models: Models; clock: () => Date; projector: Projector }): Router {
  const router = Router();
  commentRoutes(router, deps);
  reviewListRoute(router, deps);
  reviewDecisionRoutes(router, deps);
  return router;
}

type ReviewDeps = Parameters<typeof reviewRoutes>[0];

function commentRoutes(router: Router, { models, clock, projector }: ReviewDeps): void {
  router.get('/admin/comments', async (req, res) => {
    await projector.settled(); // this instance's own recent changes first (read-your-writes)
    const query = await parseStatsQuery(models, req.principal!, req.query, clock());
    const status = typeof req.query.status === 'string' && (COMMENT_STATUSES as readonly string[]).includes(req.query.status) ? req.query.status : '';
    const tag = typeof req.query.tag === 'string' ? req.query.tag.trim().toLowerCase().slice(0, 30) : '';
    const text = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase().slice(0, 100) : '';
    const page = parsePage(req.query.page);
    // From the list index (src/review/): the first page reads a few documents by `_id`, whatever the number of responses.
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
    const response = await manageableResponse(models, req.principal!, req.params.id);
    const now = clock();
    // The status and tags are the comment list's facets: the projector writes both the answer and its entries.
    await projector.enqueue({ _id: newItemId(), kind: 'comment', at: now, responseId: response._id, status: parsed.data.status, tags: parsed.data.tags });
    await audit(models.Audit, { actor: req.principal!.label, action: 'comment.update', target: response._id, details: parsed.data }, now);
    await projector.settled();
    res.redirect(303, backToComments(req.get('referer')));
  });
}

function reviewListRoute(router: Router, { models, clock, projector }: ReviewDeps): void {
  router.get('/admin/review', async (req, res) => {
    await projector.settled();
    const query = await parseStatsQuery(models, req.principal!, req.query, clock());
    const page = parsePage(req.query.page);
    const scope = { kind: query.kind, unit: query.unit.code, from: query.from, to: query.to, level: query.level };
    // Undecided flagged answers from the list index (src/review/review-list.ts); a decision takes them off.
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
}

/** Who may decide, and only about flagged answers (an unflagged answer is not up for review: 409). */
function assertDecidable(principal: Principal, response: ResponseDoc): void {
  assertCanDecideReview(principal, { code: response.unitCode, ancestors: response.unitAncestors });
  if (response.flags.length === 0) throw new AppError(409, 'review_not_flagged', 'Only flagged answers can be included or excluded.');
}

function reviewDecisionRoutes(router: Router, { models, clock, projector }: ReviewDeps): void {
  /**
   * Include or exclude one flagged response. The projector moves it into or out of the figures exactly once, takes
   * it off the review list, and audits the decision once: a double click decides nothing more.
   */
  router.post('/admin/review/:id', async (req, res) => {
    const parsed = reviewDecision.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Unknown decision.');
    const response = await manageableResponse(models, req.principal!, req.params.id);
    assertDecidable(req.principal!, response);
    await projector.enqueue({
      _id: newItemId(),
      kind: 'decision',
      at: clock(),
      responseIds: [response._id],
      include: parsed.data.decision === 'include',
      reviewer: req.principal!.label,
      audit: { action: `review.${parsed.data.decision}`, target: response._id, details: { flags: response.flags } },
    });
    await projector.settled();
    res.redirect(303, '/admin/review');
  });

  /**
   * Include or exclude a whole cluster (review-clusters.ts) in one audited action: each answer moves once, however
   * often the button is pressed, and the figures move with one write per document.
   */
  router.post('/admin/review/clusters/:key', async (req, res) => {
    const parsed = reviewDecision.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Unknown decision.');
    const key = req.params.key;
    // By the cluster's member documents once every stored answer is indexed; before that, by searching the responses.
    const members = (await listIndexesComplete(models)) ? await indexedClusterMembers(models, key) : await clusterMembers(models, key);
    if (members.length === 0) throw new NotFoundError();
    for (const member of members) assertDecidable(req.principal!, member);
    const flags = [...new Set(members.flatMap((m) => m.flags))];
    await projector.enqueue({
      _id: newItemId(),
      kind: 'decision',
      at: clock(),
      responseIds: members.map((m) => m._id),
      include: parsed.data.decision === 'include',
      reviewer: req.principal!.label,
      audit: { action: `review.cluster.${parsed.data.decision}`, target: key, details: { answers: members.length, flags }, countChanged: true },
    });
    await projector.settled();
    res.redirect(303, '/admin/review');
  });
}
