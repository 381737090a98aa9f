import { ConnectionStates } from 'mongoose';
import type { Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Config } from '../config';
import { BadRequestError, isDatabaseUnavailable } from '../errors';
import type { FormFields } from '../http/form-body';
import { translate, type Lang } from '../i18n';
import type { LinkResolver } from '../links/link.service';
import type { Models } from '../models';
import { storeAnswer, type AnswerInput, type StoreResult } from '../answers/store-answer';
import type { TakesItems } from '../projector/ports';
import { addressSaltProvider, hashAddress } from '../responses/address-hash';
import { allowedFields, FIELD } from '../surveys/form-fields';
import { TOKEN_MAX_AGE_MS, verifyFormToken, type FormToken } from '../surveys/form-token';
import { givenTime } from '../answers/given-time';
import type { Channel } from '../surveys/instrument.types';
import { buildSubmissionSchema, validateSubmission, type SubmissionSchema } from '../surveys/submission-schema';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { SurveyVersion } from '../surveys/survey.model';
import type { BlankForms } from './blank-forms';
import { deviceHasSubmitted, rememberSubmission } from './device-cookie';
import { CHANNELS, renderForm } from './form-view';
import type { InsertRounds } from '../data/rounds';
import type { ResponseDoc } from '../responses/response.model';

export interface SubmissionDeps {
  config: Readonly<Config>;
  models: Models;
  catalog: SurveyCatalog;
  links: LinkResolver;
  salt: () => Promise<string>;
  clock: () => Date;
  /** takes stored answers into the figures and lists (src/projector/) */
  projector: TakesItems;
  /** the answers' own insert, shared by the requests of this app instance (instance.ts) */
  responses: InsertRounds<ResponseDoc>;
}

/** What a checked answer still lacks before it is stored: the address and the consent text, added by `store`. */
type CheckedAnswer = Omit<AnswerInput, 'addressHash' | 'consentText'>;

/** The posts of `/s/:code` and `/k/:code`, behind their limits and body parser (form.routes.ts). */
export class FormSubmissions {
  private readonly schemas = new Map<string, SubmissionSchema>();
  private readonly addressSalt: (now: Date) => Promise<string>;

  constructor(
    private readonly deps: SubmissionDeps,
    private readonly blank: BlankForms,
  ) {
    this.addressSalt = addressSaltProvider(deps.models.Setting, deps.models.Response.db);
  }

  async handle(req: Request, res: Response, channel: Channel): Promise<void> {
    const { deps } = this;
    const now = deps.clock();
    const fields = res.locals.form as FormFields;
    const open = await deps.links.resolveOpen(String(req.params.code), channel, now);
    const check = verifyFormToken(fields.get(FIELD.token), deps.config.SESSION_SECRET, now.getTime());
    if (!check.ok && check.reason === 'invalid') throw new BadRequestError('The form token is missing or invalid.');
    if (check.ok && check.token.link !== open.link.code) throw new BadRequestError('The form token belongs to another link.');

    const version = check.ok ? check.token.version : undefined;
    const survey = version ? await deps.catalog.getVersion(open.link.surveyKey, version) : await deps.catalog.getLatest(open.link.surveyKey);
    if (!survey) throw new BadRequestError('Unknown survey version.');
    // Only the pages that show the form again need the values kept.
    const values = () => keptValues(survey, fields);

    if (!check.ok) {
      // Expired: nothing was stored; show the answers again with a fresh token.
      renderForm(res, channel, 422, { open, survey, token: this.blank.newToken(survey, open.link.code), values: values(), banner: 'form.error.tokenExpired' });
      return;
    }
    const token: FormToken = check.token;
    const rawToken = fields.get(FIELD.token)!;
    const result = validateSubmission(this.schemaFor(survey), fields);
    if (!result.ok) {
      renderForm(res, channel, 422, { open, survey, token: rawToken, values: values(), errors: result.errors });
      return;
    }

    const lang = res.locals.lang as Lang;
    const repeatDevice = channel === 'form' && deviceHasSubmitted(req, open.link.code);
    try {
      const givenAt = givenTime({ givenAt: fields.get(FIELD.givenAt), sentAt: fields.get(FIELD.sentAt) }, token.issuedAt, now.getTime(), TOKEN_MAX_AGE_MS);
      const answer = { link: open.link, unit: open.unit, survey, token, signedToken: rawToken, submission: result.value, lang, repeatDevice, givenAt };
      const outcome = await this.store(req, channel, answer, now);
      // Flagged or not, a reused dossier code or not: the same thank-you page, so the form reveals nothing.
      if (outcome.status === 'stored' && channel === 'form') rememberSubmission(req, res, open.link.code, deps.config.isProduction);
      res.redirect(303, `${CHANNELS[channel].prefix}/${open.link.code}/thanks`);
    } catch (error) {
      // Also any error while the connection is down (a driver error this check does not know yet): the person
      // gets the 503 page with the answers kept, never a 500 that loses them.
      if (!isDatabaseUnavailable(error) && deps.models.Response.db.readyState === ConnectionStates.connected) throw error;
      // Keep the answers and the same token: pressing Send again later stores exactly one response.
      res.setHeader('Retry-After', '10');
      renderForm(res, channel, 503, { open, survey, token: rawToken, values: values(), banner: 'form.error.unavailable' });
    }
  }

  private schemaFor(survey: SurveyVersion): SubmissionSchema {
    const id = `${survey.key}@${survey.version}`;
    let schema = this.schemas.get(id);
    if (!schema) this.schemas.set(id, (schema = buildSubmissionSchema(survey.definition)));
    return schema;
  }

  /** The client address as the rate limits see it (an IPv6 address by its /56), hashed under the day's salt. */
  private async addressHashOf(req: Request, now: Date): Promise<string> {
    return hashAddress(await this.addressSalt(now), ipKeyGenerator(req.ip ?? 'unknown'));
  }

  private async store(req: Request, channel: Channel, answer: CheckedAnswer, now: Date): Promise<StoreResult> {
    const { deps } = this;
    return storeAnswer(
      {
        responses: deps.responses,
        projector: deps.projector,
        salt: await deps.salt(),
        minFillSeconds: channel === 'kiosk' ? Math.min(1, deps.config.FORM_MIN_FILL_SECONDS) : deps.config.FORM_MIN_FILL_SECONDS,
      },
      { ...answer, addressHash: await this.addressHashOf(req, now), consentText: translate(answer.lang, 'form.consent') },
      now,
    );
  }
}

/** The posted values worth showing again: only fields this survey defines (never the token or the honeypot). */
function keptValues(survey: SurveyVersion, fields: FormFields): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of allowedFields(survey.definition)) {
    if (name === FIELD.token || name === FIELD.honeypot || name === FIELD.givenAt || name === FIELD.sentAt) continue;
    const value = fields.get(name);
    if (value !== undefined) values[name] = value.slice(0, 4000);
  }
  return values;
}
