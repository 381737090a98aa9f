import type { Lang } from '../i18n';
import { BadRequestError } from '../errors';
import type { LinkResolver, OpenLink } from '../links/link.service';
import { FormPageCache } from './form-page-cache';
import { issueFormToken, newTokenId } from '../surveys/form-token';
import type { Channel } from '../surveys/instrument.types';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import type { SurveyVersion } from '../surveys/survey.model';
import type { ViewCounter } from './view-counter';

/** A link that is open on its channel, with the survey version a blank form shows. */
export interface BlankForm {
  open: OpenLink;
  survey: SurveyVersion;
}

/**
 * What `GET /s/:code` and `GET /k/:code` serve: the link's blank form, from the page cache, with a fresh token.
 * Shared by the express route (form.routes.ts, which renders on a miss) and the fast path in front of express
 * (form-page-fast-path.ts, which serves only what is cached), so both serve the same bytes and count the same views.
 */
export class BlankForms {
  readonly pages = new FormPageCache();

  constructor(
    private readonly deps: {
      links: LinkResolver;
      catalog: SurveyCatalog;
      /** this instance's view counts (instance.ts) */
      views: ViewCounter;
      clock: () => Date;
      /** SESSION_SECRET (form-token.ts derives the token key from it) */
      secret: string;
    },
  ) {}

  /** The open link `code` on `channel` and its latest survey; NotFoundError or BadRequestError otherwise. */
  async find(code: string, channel: Channel, now: Date): Promise<BlankForm> {
    const open = await this.deps.links.resolveOpen(code, channel, now);
    const survey = await this.deps.catalog.getLatest(open.link.surveyKey);
    if (!survey) throw new BadRequestError('The survey of this link is not published');
    return { open, survey };
  }

  /** Everything a blank page depends on: the channel, the path (the language switch links to it), the survey, the language, the names shown. */
  keyOf(channel: Channel, { open, survey }: BlankForm, lang: Lang): string {
    // By the resolved link, never the path asked for: "/S/…", "%64…" and a trailing "/" reach the same form and
    // must not each take a place in the cache (nothing on the page comes from the path).
    return [channel, open.link.code, survey.key, survey.version, lang, open.unit.name, open.link.procedure?.name ?? ''].join('\u0001');
  }

  /** A signed token for one blank form of `survey` on link `code`, issued now. */
  newToken(survey: SurveyVersion, code: string): string {
    const issuedAt = this.deps.clock();
    return issueFormToken({ id: newTokenId(issuedAt), link: code, version: survey.version, issuedAt: issuedAt.getTime() }, this.deps.secret);
  }

  /** Counts one view of the form (the response rate's denominator), after the page was sent. */
  viewed({ open }: BlankForm, now: Date): void {
    this.deps.views.record(open.link, now, open.unit.ancestors);
  }
}
