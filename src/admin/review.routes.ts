import { Router } from 'express';
import { z } from 'zod';
import { BadRequestError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { COMMENT_STATUSES } from '../responses/response.model';
import { applyToRollup } from '../responses/rollup.service';
import { beginRollupChange, endRollupChange } from '../responses/rollup-journal';
import { formatters } from '../stats/format';
import { parseStatsQuery } from '../stats/stats-query';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { audit } from './audit';
import { readableUnits } from './readable-units';
import { manageableResponse, scopedResponses } from './scoped-responses';

const PAGE = 50;
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
export function reviewRoutes(deps: { models: Models; catalog: SurveyCatalog; clock: () => Date }): Router {
  const { models, catalog, clock } = deps;
  const router = Router();

  router.get('/admin/comments', async (req, res) => {
    const query = await parseStatsQuery(models, req.principal!, req.query as Record<string, unknown>, clock());
    const status = typeof req.query.status === 'string' && (COMMENT_STATUSES as readonly string[]).includes(req.query.status) ? req.query.status : '';
    const tag = typeof req.query.tag === 'string' ? req.query.tag.trim().toLowerCase().slice(0, 30) : '';
    const text = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase().slice(0, 100) : '';
    const rows = await scopedResponses(
      models,
      query,
      (r) =>
        Boolean(r.comment) &&
        (!status || (r.commentStatus ?? 'new') === status) &&
        (!tag || (r.commentTags ?? []).includes(tag)) &&
        (!text || r.comment!.toLowerCase().includes(text)),
    );
    const page = Math.max(1, Number(req.query.page) || 1);
    res.render('admin/comments', {
      rows: rows.slice((page - 1) * PAGE, page * PAGE),
      total: rows.length,
      page,
      pages: Math.max(1, Math.ceil(rows.length / PAGE)),
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
    await audit(models.Audit, { actor: req.principal!.label, action: 'comment.update', target: response._id, details: parsed.data }, clock());
    res.redirect(303, backToComments(req.get('referer')));
  });

  router.get('/admin/review', async (req, res) => {
    const query = await parseStatsQuery(models, req.principal!, req.query as Record<string, unknown>, clock());
    const rows = await scopedResponses(models, query, (r) => r.flags.length > 0);
    res.render('admin/review', {
      rows: rows.slice(0, 200),
      total: rows.length,
      filter: query,
      units: await readableUnits(models, req.principal!),
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: req.principal!.label,
    });
  });

  /**
   * Include or exclude a flagged response. The decision is one atomic update of the response by `_id` that
   * returns the document as it was before, so of a double click or two admins at once exactly one sees the
   * change from the other state, and only that one moves the rollup (an `_id` filter is the only one FerretDB
   * serves from its index; a conditional filter would scan every response). Like a submission
   * (submit-response.ts) the change is marked in the rollup journal first, so a crash between the decision and
   * its increment is recounted instead of left wrong; a mark left by a loser costs a harmless recount.
   */
  router.post('/admin/review/:id', async (req, res) => {
    const parsed = reviewDecision.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Unknown decision.');
    const response = await manageableResponse(models, req.principal!, String(req.params.id));
    const include = parsed.data.decision === 'include';
    const now = clock();
    if (response.counted !== include) {
      const changeId = `review:${response._id}:${response.reviews ?? 0}`;
      await beginRollupChange(models.RollupJournal, changeId, response, now);
      const before = await models.Response.findOneAndUpdate(
        { _id: response._id },
        { $set: { counted: include, reviewedBy: req.principal!.label, reviewedAt: now }, $inc: { reviews: 1 } },
        { returnDocument: 'before' },
      ).lean();
      if (before && before.counted !== include) {
        const survey = await catalog.getVersion(response.surveyKey, response.surveyVersion);
        await applyToRollup(models.Rollup, response, survey?.definition.scale ?? 5, include ? 1 : -1);
        await endRollupChange(models.RollupJournal, changeId);
        await audit(models.Audit, { actor: req.principal!.label, action: `review.${parsed.data.decision}`, target: response._id, details: { flags: response.flags } }, now);
      }
    }
    res.redirect(303, '/admin/review');
  });
  return router;
}
