import { Router } from 'express';
import { z } from 'zod';
import { audit } from '../access/audit';
import { provinceWide } from '../access/scope';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors';
import type { Models } from '../models';
import { publishUnit, withdrawUnit } from '../public/published-units';
import { unitsByCode } from '../units/unit-directory';

const body = z.object({ unitCode: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/) });

/**
 * Publishing a unit's results on `/cong-khai` (issue #27), and withdrawing them: department staff only (the
 * settings page), both audited. Nothing is public until someone publishes it.
 */
export function publicationRoutes(deps: { models: Models; clock: () => Date }): Router {
  const { models, clock } = deps;
  const router = Router();
  for (const action of ['publish', 'withdraw'] as const) {
    router.post(`/admin/public/${action}`, async (req, res) => {
      const principal = req.principal!;
      if (!provinceWide(principal)) throw new ForbiddenError('Only department staff publish results.');
      const parsed = body.safeParse(req.body ?? {});
      if (!parsed.success) throw new BadRequestError('Choose a unit.');
      const unit = (await unitsByCode(models.Unit)).get(parsed.data.unitCode);
      if (!unit) throw new NotFoundError('Unknown unit.');
      const now = clock();
      const changed =
        action === 'publish' ? await publishUnit(models.PublishedUnit, unit.code, principal.label, now) : await withdrawUnit(models.PublishedUnit, unit.code);
      if (changed) await audit(models.Audit, { actor: principal.label, action: `public.${action}`, target: unit.code }, now);
      res.redirect(303, '/admin/settings');
    });
  }
  return router;
}
