import { Router } from 'express';
import type { Projector } from '../projector/projector';
import { z } from 'zod';
import { audit } from '../access/audit';
import { requireApiPrincipal } from '../access/authenticate';
import { readableUnits } from '../access/readable-units';
import { assertCanRead, type Principal } from '../access/scope';
import { BadRequestError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Lang } from '../i18n';
import type { Models } from '../models';
import { formatters } from '../stats/format';
import { unitsByCode } from '../units/unit-directory';
import { CASE_STATUSES, type CaseDoc } from '../cases/case.model';
import { REPLY_MAX_CHARS, sendClosingReply, type ReplyDeps } from '../cases/case-reply';
import { canActOnCase, casesInScope, changeCase, isOverdue, readableCase } from '../cases/case-service';

const listQuery = z.object({
  unit: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
  status: z.enum(CASE_STATUSES).optional(),
});
const actionBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('contacted') }),
  // Closing may send the citizen one note (case-reply.ts); longer text is refused rather than cut.
  z.object({ action: z.enum(['resolved', 'closed_unreachable']), reply: z.string().max(REPLY_MAX_CHARS).optional() }),
  z.object({ action: z.literal('assign'), assignee: z.string() }),
  z.object({ action: z.literal('note'), text: z.string() }),
]);

type CaseDeps = Parameters<typeof caseRoutes>[0];

/**
 * Follow-up cases (issue 16): `GET /api/v1/cases?unit=&status=` (never contact details), the list and the case
 * page under `/admin/cases` (the contact details only there, only for those who may act on the case, each view
 * audited), and the changes of a case (the same right: a viewer reads cases, and neither acts nor sees whom to call).
 */
export function caseRoutes(deps: { models: Models; clock: () => Date; projector: Projector; reply: Omit<ReplyDeps, 'models'> }): Router {
  const router = Router();
  registerCaseLists(router, deps);
  registerCasePage(router, deps);
  return router;
}

/** The unit and status asked for, the unit in the caller's scope (403 outside, 404 unknown, 400 malformed). */
async function scopeOf(models: Models, principal: Principal, raw: Record<string, unknown>) {
  const parsed = listQuery.safeParse(Object.fromEntries(Object.entries(raw).filter(([k, v]) => k in listQuery.shape && v !== '')));
  if (!parsed.success) throw new BadRequestError(`Invalid query parameter "${String(parsed.error.issues[0]!.path[0])}".`);
  const units = await unitsByCode(models.Unit);
  const unit = units.get(parsed.data.unit ?? principal.unitCode);
  if (!unit) throw new NotFoundError('Unknown unit.');
  assertCanRead(principal, unit);
  return { unit, status: parsed.data.status, units };
}

/** The cases of a unit: the API's list and the admin page's. */
function registerCaseLists(router: Router, deps: CaseDeps): void {
  const { models, clock, projector } = deps;

  router.get('/api/v1/cases', requireApiPrincipal(models, clock), async (req, res) => {
    const { unit, status, units } = await scopeOf(models, req.principal!, req.query);
    await projector.settled(); // cases open with answers: this instance's own answers first
    const cases = await casesInScope(models, req.principal!, unit.code, status);
    res.json(
      cases.map((c) => ({
        id: c._id,
        kind: c.kind,
        status: c.status,
        unit: { code: c.unitCode, name: units.get(c.unitCode)?.name ?? c.unitCode },
        openedAt: c.openedAt,
        dueAt: c.dueAt,
        closedAt: c.closedAt ?? null,
      })),
    );
  });

  router.get('/admin/cases', async (req, res) => {
    const principal = req.principal!;
    const { unit, status, units } = await scopeOf(models, principal, req.query);
    const now = clock();
    await projector.settled(); // cases open with answers: this instance's own answers first
    const cases = await casesInScope(models, principal, unit.code, status);
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/cases', {
      cases: cases.map((c) => ({ ...c, overdue: isOverdue(c, now), unitName: units.get(c.unitCode)?.name ?? c.unitCode })),
      scope: { unit, status: status ?? '' },
      units: await readableUnits(models, principal),
      statuses: CASE_STATUSES,
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: principal.label,
    });
  });
}

/** One case: its page and its changes. */
function registerCasePage(router: Router, deps: CaseDeps): void {
  const { models, clock, projector } = deps;

  router.get('/admin/cases/:id', async (req, res) => {
    const principal = req.principal!;
    await projector.settled(); // cases open with answers: this instance's own answers first
    const found: CaseDoc = await readableCase(models, principal, req.params.id);
    const now = clock();
    // Only those who may act on the case see whom to call (a viewer reads the case, never the citizen's details).
    const mayAct = canActOnCase(principal, found);
    const contact = mayAct ? await models.Contact.findOne({ responseId: found.responseId }).lean() : null;
    // Every view of the contact details is on the record, whoever looks (a manager of the unit or above).
    if (contact) await audit(models.Audit, { actor: principal.label, action: 'case.contact.view', target: found._id }, now);
    const response = await models.Response.findById(found.responseId, { comment: 1, submittedAt: 1 }).lean();
    res.setHeader('Cache-Control', 'no-store');
    res.render('admin/case', {
      item: { ...found, overdue: isOverdue(found, now), unitName: (await unitsByCode(models.Unit)).get(found.unitCode)?.name ?? found.unitCode },
      mayAct,
      contact: contact ? { phone: contact.phone ?? '', email: contact.email ?? '', consentText: contact.consentText, retainUntil: contact.retainUntil } : null,
      replyMax: REPLY_MAX_CHARS,
      comment: response?.comment ?? '',
      f: formatters(res.locals.lang as Lang),
      csrf: csrfToken(req),
      user: principal.label,
    });
  });

  router.post('/admin/cases/:id', async (req, res) => {
    const parsed = actionBody.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new BadRequestError(`A change to a case is one of its actions; a note to the citizen has at most ${REPLY_MAX_CHARS} characters.`);
    const id = req.params.id;
    const now = clock();
    await changeCase(models, req.principal!, id, parsed.data, now);
    if ('reply' in parsed.data && parsed.data.reply?.trim()) {
      await projector.settled(); // cases open with answers: this instance's own answers first
      const closed = await readableCase(models, req.principal!, id);
      const unitName = (await unitsByCode(models.Unit)).get(closed.unitCode)?.name ?? closed.unitCode;
      await sendClosingReply({ models, ...deps.reply }, req.principal!, closed, parsed.data.reply, unitName, now);
    }
    res.redirect(303, `/admin/cases/${encodeURIComponent(id)}`);
  });
}
