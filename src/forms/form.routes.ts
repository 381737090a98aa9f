import { Router, type RequestHandler } from 'express';
import { NotFoundError } from '../errors';
import { formBody } from '../http/form-body';
import type { LimitStores } from '../http/rate-limit-store';
import { formPageViewsPerIp, pageViewsPerIp, submissionsPerLinkAndIp, submissionsPerToken, type AddressLimit } from '../http/rate-limits';
import { LINK_CODE_PATTERN } from '../links/link-code';
import type { Channel } from '../surveys/instrument.types';
import { BlankForms } from './blank-forms';
import { FormSubmissions, type SubmissionDeps } from './form-submission';
import { CHANNELS, renderBlank } from './form-view';
import { kioskOfflineRoutes } from './kiosk-offline.routes';
import type { ViewCounter } from './view-counter';

export interface PublicFormDeps extends SubmissionDeps {
  /** where the rate limits count (each instance's memory unless RATE_LIMIT_REDIS_URL is set) */
  limits?: LimitStores;
  /** this instance's form-view counts (instance.ts) */
  views: ViewCounter;
}

/** What the public side gives the form page's fast path (form-page-fast-path.ts): the pages and their view limits. */
export interface PublicFormPages {
  blank: BlankForms;
  pageLimits: Record<Channel, AddressLimit>;
}

/** The public side: `GET|POST /s/:code` (forms) and `/k/:code` (desk kiosk), and their thank-you pages. */
export function publicFormRoutes(deps: PublicFormDeps): { router: Router; pages: PublicFormPages } {
  const router = Router();
  const blank = new BlankForms({
    links: deps.links,
    catalog: deps.catalog,
    views: deps.views,
    clock: deps.clock,
    secret: deps.config.SESSION_SECRET,
  });
  const submissions = new FormSubmissions(deps, blank);

  kioskOfflineRoutes(router, { blank, clock: deps.clock, limits: deps.limits });
  const pageLimits = {} as Record<Channel, AddressLimit>;
  for (const channel of Object.keys(CHANNELS) as Channel[]) {
    pageLimits[channel] = formPageViewsPerIp(`page:${channel}`, deps.limits);
    channelRoutes(router, channel, { deps, blank, submissions, pageLimit: pageLimits[channel] });
  }
  return { router, pages: { blank, pageLimits } };
}

/**
 * A path that cannot be a link is a 404 before any limiter counts it: the limiters key by the code, and 3,000
 * posts to 15 kB codes grew the app by 114 MB in 8 s (issue 25, item 8).
 */
const linkCodeShape: RequestHandler = (req, _res, next) => {
  if (!LINK_CODE_PATTERN.test(String(req.params.code))) throw new NotFoundError();
  next();
};

/** One channel's pages: the blank form, its post and the thank-you page. */
function channelRoutes(
  router: Router,
  channel: Channel,
  { deps, blank, submissions, pageLimit }: { deps: PublicFormDeps; blank: BlankForms; submissions: FormSubmissions; pageLimit: AddressLimit },
): void {
  const { prefix } = CHANNELS[channel];

  router.get(`${prefix}/:code`, linkCodeShape, pageLimit.middleware, async (req, res) => {
    const now = deps.clock();
    const form = await blank.find(String(req.params.code), channel, now);
    res.setHeader('Cache-Control', 'no-store');
    await renderBlank(blank, res, channel, form);
    blank.viewed(form, now);
  });

  router.post(
    `${prefix}/:code`,
    linkCodeShape,
    submissionsPerLinkAndIp(`post:${channel}`, deps.limits),
    ...formBody(),
    submissionsPerToken(`token:${channel}`, deps.limits),
    async (req, res) => {
      await submissions.handle(req, res, channel);
    },
  );

  router.get(`${prefix}/:code/thanks`, linkCodeShape, pageViewsPerIp(`thanks:${channel}`, deps.limits), async (req, res) => {
    const open = await deps.links.resolveOpen(String(req.params.code), channel, deps.clock());
    res.setHeader('Cache-Control', 'no-store');
    res.render(channel === 'kiosk' ? 'kiosk/thanks' : 'survey/thanks', { again: `${prefix}/${open.link.code}` });
  });
}
