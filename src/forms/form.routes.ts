import { ConnectionStates } from 'mongoose';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config';
import { BadRequestError, isDatabaseUnavailable, NotFoundError } from '../errors';
import { formBody, type FormFields } from '../http/form-body';
import type { LimitStores } from '../http/rate-limit-store';
import { formPageViewsPerIp, pageViewsPerIp, submissionsPerLinkAndIp, submissionsPerToken, type AddressLimit } from '../http/rate-limits';
import { translate, type Lang } from '../i18n';
import { LINK_CODE_PATTERN } from '../links/link-code';
import type { LinkResolver, OpenLink } from '../links/link.service';
import type { Models } from '../models';
import { storeAnswer } from '../answers/store-answer';
import type { Projector } from '../projector/projector';
import { allowedFields, FIELD, LIMITS } from '../surveys/form-fields';
import { verifyFormToken, type FormToken } from '../surveys/form-token';
import type { Channel } from '../surveys/instrument.types';
import { buildSubmissionSchema, validateSubmission, type FieldErrors, type SubmissionSchema } from '../surveys/submission-schema';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { SurveyVersion } from '../surveys/survey.model';
import { renderToString, TOKEN_SLOT } from './form-page-cache';
import { BlankForms, type BlankForm } from './blank-forms';
import { deviceHasSubmitted, rememberSubmission } from './device-cookie';
import { addressSaltProvider, hashAddress } from '../responses/address-hash';
import { ipKeyGenerator } from 'express-rate-limit';

export interface PublicFormDeps {
  config: Readonly<Config>;
  models: Models;
  catalog: SurveyCatalog;
  links: LinkResolver;
  salt: () => Promise<string>;
  clock: () => Date;
  /** takes stored answers into the figures and lists (src/projector/) */
  projector: Projector;
  /** where the rate limits count (each instance's memory unless RATE_LIMIT_REDIS_URL is set) */
  limits?: LimitStores;
}

interface RenderState {
  open: OpenLink;
  survey: SurveyVersion;
  token: string;
  values?: Record<string, string>;
  errors?: FieldErrors;
  banner?: string;
}

const CHANNELS: Record<Channel, { prefix: string; view: string }> = {
  form: { prefix: '/s', view: 'survey/form' },
  kiosk: { prefix: '/k', view: 'kiosk/form' },
};

/** What the public side gives the form page's fast path (form-page-fast-path.ts): the pages and their view limits. */
export interface PublicFormPages {
  blank: BlankForms;
  pageLimits: Record<Channel, AddressLimit>;
}

/** The public side: `GET|POST /s/:code` (forms) and `/k/:code` (desk kiosk), and their thank-you pages. */
export function publicFormRoutes(deps: PublicFormDeps): { router: Router; pages: PublicFormPages } {
  const router = Router();
  const schemas = new Map<string, SubmissionSchema>();
  const schemaFor = (survey: SurveyVersion) => {
    const id = `${survey.key}@${survey.version}`;
    let schema = schemas.get(id);
    if (!schema) schemas.set(id, (schema = buildSubmissionSchema(survey.definition)));
    return schema;
  };

  const addressSalt = addressSaltProvider(deps.models.Setting, deps.models.Response.db);
  /** The client address as the rate limits see it (an IPv6 address by its /56), hashed under the day's salt. */
  const addressHashOf = async (req: Request, now: Date) => hashAddress(await addressSalt(now), ipKeyGenerator(req.ip ?? 'unknown'));

  const blank = new BlankForms({
    links: deps.links,
    catalog: deps.catalog,
    LinkView: deps.models.LinkView,
    clock: deps.clock,
    secret: deps.config.SESSION_SECRET,
  });
  const newToken = (survey: SurveyVersion, code: string) => blank.newToken(survey, code);

  const locals = (channel: Channel, state: RenderState) => {
    const { open, survey } = state;
    return {
      survey: survey.definition,
      unitName: open.unit.name,
      procedureName: open.link.procedure?.name ?? '',
      action: `${CHANNELS[channel].prefix}/${open.link.code}`,
      token: state.token,
      values: state.values ?? {},
      errors: state.errors ?? {},
      banner: state.banner ?? '',
      fields: FIELD,
      limits: LIMITS,
    };
  };

  function render(res: Response, channel: Channel, status: number, state: RenderState): void {
    res.status(status).render(CHANNELS[channel].view, locals(channel, state));
  }

  /** A blank form with a fresh token, from the page cache (see form-page-cache.ts), rendered on a miss. */
  async function renderBlank(res: Response, channel: Channel, form: BlankForm): Promise<void> {
    const { open, survey } = form;
    const key = blank.keyOf(channel, form, res.locals.lang as Lang);
    const [head, token, tail] = await blank.pages.page(key, newToken(survey, open.link.code), () =>
      renderToString(res, CHANNELS[channel].view, locals(channel, { open, survey, token: TOKEN_SLOT })),
    );
    // Sent as is: an ETag (a hash of 20 KB per view) is useless on a page that differs every time and is never stored.
    res
      .status(200)
      .type('html')
      .setHeader('Content-Length', head.length + token.length + tail.length);
    res.write(head);
    res.write(token);
    res.end(tail);
  }

  /**
   * A path that cannot be a link is a 404 before any limiter counts it: the limiters key by the code, and 3,000
   * posts to 15 kB codes grew the app by 114 MB in 8 s (issue 25, item 8).
   */
  const linkCodeShape: RequestHandler = (req, _res, next) => {
    if (!LINK_CODE_PATTERN.test(String(req.params.code))) throw new NotFoundError();
    next();
  };

  const pageLimits = {} as Record<Channel, AddressLimit>;
  for (const channel of Object.keys(CHANNELS) as Channel[]) {
    const { prefix } = CHANNELS[channel];
    pageLimits[channel] = formPageViewsPerIp(`page:${channel}`, deps.limits);

    router.get(`${prefix}/:code`, linkCodeShape, pageLimits[channel].middleware, async (req, res) => {
      const now = deps.clock();
      const form = await blank.find(String(req.params.code), channel, now);
      res.setHeader('Cache-Control', 'no-store');
      await renderBlank(res, channel, form);
      blank.viewed(form, now);
    });

    router.post(
      `${prefix}/:code`,
      linkCodeShape,
      submissionsPerLinkAndIp(`post:${channel}`, deps.limits),
      ...formBody(),
      submissionsPerToken(`token:${channel}`, deps.limits),
      async (req, res) => {
        await handleSubmit(req, res, channel);
      },
    );

    router.get(`${prefix}/:code/thanks`, linkCodeShape, pageViewsPerIp(`thanks:${channel}`, deps.limits), async (req, res) => {
      const open = await deps.links.resolveOpen(String(req.params.code), channel, deps.clock());
      res.setHeader('Cache-Control', 'no-store');
      res.render(channel === 'kiosk' ? 'kiosk/thanks' : 'survey/thanks', { again: `${prefix}/${open.link.code}` });
    });
  }

  async function handleSubmit(req: Request, res: Response, channel: Channel): Promise<void> {
    const now = deps.clock();
    const fields = res.locals.form as FormFields;
    const open = await deps.links.resolveOpen(String(req.params.code), channel, now);
    const check = verifyFormToken(fields.get(FIELD.token), deps.config.SESSION_SECRET, now.getTime());
    if (!check.ok && check.reason === 'invalid') throw new BadRequestError('The form token is missing or invalid.');
    if (check.ok && check.token.link !== open.link.code) throw new BadRequestError('The form token belongs to another link.');

    const version = check.ok ? check.token.version : undefined;
    const survey = version ? await deps.catalog.getVersion(open.link.surveyKey, version) : await deps.catalog.getLatest(open.link.surveyKey);
    if (!survey) throw new BadRequestError('Unknown survey version.');
    const values = keptValues(survey, fields);

    if (!check.ok) {
      // Expired: nothing was stored; show the answers again with a fresh token.
      render(res, channel, 422, { open, survey, token: newToken(survey, open.link.code), values, banner: 'form.error.tokenExpired' });
      return;
    }
    const token: FormToken = check.token;
    const rawToken = fields.get(FIELD.token)!;
    const result = validateSubmission(survey.definition, schemaFor(survey), fields);
    if (!result.ok) {
      render(res, channel, 422, { open, survey, token: rawToken, values, errors: result.errors });
      return;
    }

    const lang = res.locals.lang as Lang;
    const repeatDevice = channel === 'form' && deviceHasSubmitted(req, open.link.code);
    try {
      const outcome = await storeAnswer(
        {
          Response: deps.models.Response,
          projector: deps.projector,
          salt: await deps.salt(),
          minFillSeconds: channel === 'kiosk' ? Math.min(1, deps.config.FORM_MIN_FILL_SECONDS) : deps.config.FORM_MIN_FILL_SECONDS,
        },
        {
          link: open.link,
          unit: open.unit,
          survey,
          token,
          signedToken: rawToken,
          submission: result.value,
          lang,
          repeatDevice,
          addressHash: await addressHashOf(req, now),
          consentText: translate(lang, 'form.consent'),
        },
        now,
      );
      // Flagged or not, a reused dossier code or not: the same thank-you page, so the form reveals nothing.
      if (outcome.status === 'stored' && channel === 'form') rememberSubmission(req, res, open.link.code, deps.config.isProduction);
      res.redirect(303, `${CHANNELS[channel].prefix}/${open.link.code}/thanks`);
    } catch (error) {
      // Also any error while the connection is down (a driver error this check does not know yet): the person
      // gets the 503 page with the answers kept, never a 500 that loses them.
      if (!isDatabaseUnavailable(error) && deps.models.Response.db.readyState === ConnectionStates.connected) throw error;
      // Keep the answers and the same token: pressing Send again later stores exactly one response.
      res.setHeader('Retry-After', '10');
      render(res, channel, 503, { open, survey, token: rawToken, values, banner: 'form.error.unavailable' });
    }
  }

  return { router, pages: { blank, pageLimits } };
}

/** The posted values worth showing again: only fields this survey defines (never the token or the honeypot). */
function keptValues(survey: SurveyVersion, fields: FormFields): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of allowedFields(survey.definition)) {
    if (name === FIELD.token || name === FIELD.honeypot) continue;
    const value = fields.get(name);
    if (value !== undefined) values[name] = value.slice(0, 4000);
  }
  return values;
}
