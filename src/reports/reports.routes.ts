import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { audit } from '../access/audit';
import { readableUnits } from '../access/readable-units';
import { assertCanManage, assertCanRead, canRead } from '../access/scope';
import { BadRequestError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Models } from '../models';
import { PERIOD_PATTERN, periodOf, shiftPeriod } from '../responses/period';
import type { Unit } from '../units/unit.model';
import { buildSummary } from './build-summary';
import { previewMessageId, toMail, type DeliveryDeps } from './outbox';
import type { OutboxEntry } from './report.models';
import { TREND_CID } from './summary-html';
import { unitsByCode } from '../units/unit-directory';
import { insertOnce } from '../data/write-once';

const previewQuery = z.object({
  period: z.string().regex(PERIOD_PATTERN).optional(),
  unit: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
  kind: z.enum(['education', 'tthc']).default('education'),
  lang: z.enum(['vi', 'en']).default('vi'),
});
const subscriptionBody = z.object({
  email: z
    .email()
    .max(200)
    .transform((v) => v.toLowerCase()),
  name: z.string().trim().max(120).optional(),
  unitCode: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  kind: z.enum(['education', 'tthc']),
  lang: z.enum(['vi', 'en']),
});

/** Monthly e-mail in the admin side: subscriptions (audited), delivery states, preview and send-to-myself. */
export function reportAdminRoutes(deps: DeliveryDeps, clock: () => Date): Router {
  const router = Router();
  registerReportsPage(router, deps, clock);
  registerPreview(router, deps, clock);
  registerSubscriptions(router, deps, clock);
  return router;
}

async function unitInScope(models: Models, req: Request, code: string | undefined, manage = false): Promise<Unit> {
  const unit = await models.Unit.findOne({ code: code ?? req.principal!.unitCode }).lean<Unit>();
  if (!unit) throw new NotFoundError('Unknown unit.');
  (manage ? assertCanManage : assertCanRead)(req.principal!, unit);
  return unit;
}

async function summaryFor(deps: DeliveryDeps, clock: () => Date, req: Request) {
  const parsed = previewQuery.safeParse({ ...req.query, ...(req.body ?? {}) });
  if (!parsed.success) throw new BadRequestError('Invalid preview parameters.');
  const unit = await unitInScope(deps.models, req, parsed.data.unit);
  const period = parsed.data.period ?? shiftPeriod(periodOf(clock()), -1);
  return buildSummary(deps, {
    period,
    unitCode: unit.code,
    kind: parsed.data.kind,
    lang: parsed.data.lang,
    publicBaseUrl: deps.publicBaseUrl,
    k: deps.smallCellK,
  });
}

function registerReportsPage(router: Router, deps: DeliveryDeps, clock: () => Date): void {
  const { models } = deps;

  router.get('/admin/reports', async (req, res) => {
    const units = await unitsByCode(models.Unit);
    const visible = (code: string) => {
      const unit = units.get(code);
      return Boolean(unit && canRead(req.principal!, unit));
    };
    res.render('admin/reports', {
      subscriptions: (await models.Subscription.find().sort({ email: 1 }).lean()).filter((s) => visible(s.unitCode)),
      outbox: (await models.Outbox.find().sort({ createdAt: -1 }).limit(200).lean<OutboxEntry[]>()).filter((e) => visible(e.unitCode)),
      units: await readableUnits(models, req.principal!),
      lastPeriod: shiftPeriod(periodOf(clock()), -1),
      sent: req.query.sent === '1',
      csrf: csrfToken(req),
      user: req.principal!.label,
    });
  });
}

/** The caller's summary: shown in the browser, or sent to the caller's own address. */
function registerPreview(router: Router, deps: DeliveryDeps, clock: () => Date): void {
  // POST from the reports page (the CSRF token travels in the body, never in a URL that history and proxy logs
  // keep); GET stays for links and bookmarks, carries no token and changes nothing.
  const preview = async (req: Request, res: Response) => {
    const summary = await summaryFor(deps, clock, req);
    const html = summary.html.replaceAll(`cid:${TREND_CID}`, `data:image/png;base64,${summary.chartPng.toString('base64')}`);
    // The e-mail's HTML uses inline styles (mail clients need them); this page alone allows them, never scripts.
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  };
  router.get('/admin/reports/preview', preview);
  router.post('/admin/reports/preview', preview);

  router.post('/admin/reports/send-self', async (req: Request, res: Response) => {
    const summary = await summaryFor(deps, clock, req);
    await deps.mailer.send(toMail(summary, req.principal!.label, deps.mailFrom, previewMessageId(deps.publicBaseUrl)));
    await audit(deps.models.Audit, { actor: req.principal!.label, action: 'report.preview.send' }, clock());
    res.redirect(303, '/admin/reports?sent=1');
  });
}

/** The monthly e-mail's recipients, added and removed by those who manage the unit. */
function registerSubscriptions(router: Router, deps: DeliveryDeps, clock: () => Date): void {
  const { models } = deps;

  router.post('/admin/reports/subscriptions', async (req, res) => {
    const parsed = subscriptionBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new BadRequestError('Invalid subscription.');
    const unit = await unitInScope(models, req, parsed.data.unitCode, true);
    const now = clock();
    const created = await insertOnce(() =>
      models.Subscription.create({ ...parsed.data, unitCode: unit.code, createdBy: req.principal!.label, createdAt: now }),
    );
    if (!created) throw new BadRequestError('This address already receives this summary.');
    await audit(
      models.Audit,
      { actor: req.principal!.label, action: 'subscription.create', target: parsed.data.email, details: { unitCode: unit.code, kind: parsed.data.kind } },
      now,
    );
    res.redirect(303, '/admin/reports');
  });

  router.post('/admin/reports/subscriptions/:id/delete', async (req, res) => {
    const id = req.params.id;
    if (!/^[a-f0-9]{24}$/.test(id)) throw new NotFoundError();
    const subscription = await models.Subscription.findById(id).lean();
    if (!subscription) throw new NotFoundError();
    await unitInScope(models, req, subscription.unitCode, true);
    await models.Subscription.deleteOne({ _id: subscription._id });
    await audit(models.Audit, { actor: req.principal!.label, action: 'subscription.delete', target: subscription.email }, clock());
    res.redirect(303, '/admin/reports');
  });
}
