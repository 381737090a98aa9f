import { Router } from 'express';
import { ForbiddenError, NotFoundError } from '../errors';
import { csrfToken } from '../http/csrf';
import type { Models } from '../models';
import { reword } from '../surveys/reword';
import { publishVersion, type SurveyCatalog } from '../surveys/survey-catalog';
import type { SurveyVersion } from '../surveys/survey.model';
import { audit } from '../access/audit';

/** Survey versions: list, view one, and publish a new wording (province-wide staff). Published versions never change. */
export function surveyAdminRoutes(deps: { models: Models; catalog: SurveyCatalog; clock: () => Date }): Router {
  const { models, catalog, clock } = deps;
  const router = Router();
  const common = (req: import('express').Request) => ({ csrf: csrfToken(req), user: req.principal!.label });
  const canPublish = (req: import('express').Request) => ['super_admin', 'department'].includes(req.principal!.role) && req.principal!.kind === 'user';

  router.get('/admin/surveys', async (req, res) => {
    const versions = await models.Survey.find().sort({ key: 1, version: -1 }).lean<SurveyVersion[]>();
    res.render('admin/surveys', { ...common(req), versions });
  });

  router.get('/admin/surveys/:key/:version', async (req, res) => {
    const survey = await catalog.getVersion(req.params.key, Number(req.params.version));
    if (!survey) throw new NotFoundError();
    const latest = await catalog.getLatest(survey.key);
    res.render('admin/survey', { ...common(req), survey, isLatest: latest?.version === survey.version, canPublish: canPublish(req) });
  });

  router.post('/admin/surveys/:key/publish', async (req, res) => {
    if (!canPublish(req)) throw new ForbiddenError('Only department staff publish survey versions.');
    const key = req.params.key;
    catalog.forgetLatest(key);
    const latest = await catalog.getLatest(key);
    if (!latest) throw new NotFoundError();
    const now = clock();
    const result = await publishVersion(models.Survey, reword(latest.definition, (req.body ?? {}) as Record<string, unknown>), now, {
      source: 'admin',
      publishedBy: req.principal!.label,
    });
    catalog.forgetLatest(key);
    if (result.created) await audit(models.Audit, { actor: req.principal!.label, action: 'survey.publish', target: `${key}@${result.version}` }, now);
    res.redirect(303, `/admin/surveys/${key}/${result.version}`);
  });
  return router;
}
