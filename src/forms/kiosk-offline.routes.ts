import path from 'node:path';
import type { Router } from 'express';
import { PROJECT_ROOT } from '../embedded-db/ferretdb';
import { NotFoundError } from '../errors';
import type { LimitStores } from '../http/rate-limit-store';
import { pageViewsPerIp } from '../http/rate-limits';
import { LINK_CODE_PATTERN } from '../links/link-code';
import { TOKEN_MAX_AGE_MS } from '../surveys/form-token';
import type { BlankForms } from './blank-forms';

/**
 * How many form tokens a kiosk holds for the time it is offline (issue #29): one per rating, so a busy desk's day
 * (a rating every two minutes for ten hours is 300). Each lives TOKEN_MAX_AGE_MS (24 h) from its issue; the page
 * replaces those older than KIOSK_TOKEN_REFRESH_MS whenever it is online, so a kiosk that goes offline holds tokens
 * good for at least 18 more hours. A rating queued longer than its token lives is refused on arrival, and the
 * screen counts it (docs/operations.md, "Kiosk offline").
 */
export const KIOSK_TOKENS = 300;
export const KIOSK_TOKEN_REFRESH_MS = 6 * 3600_000;

/** The kiosk's service worker's file, served at `/k/sw.js` so that it may control every kiosk page under `/k/`. */
const SERVICE_WORKER = path.join(PROJECT_ROOT, 'public', 'js', 'kiosk-sw.js');

/**
 * What lets a kiosk keep working offline (issue #29): its service worker, and a batch of fresh form tokens for the
 * ratings it will queue. Registered before the kiosk's own routes (`/k/:code` would take `sw.js` for a code).
 */
export function kioskOfflineRoutes(router: Router, deps: { blank: BlankForms; clock: () => Date; limits?: LimitStores }): void {
  router.get('/k/sw.js', (_req, res) => {
    // Checked again at every page load, so a new version takes over the next time the kiosk is online.
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/javascript').sendFile(SERVICE_WORKER);
  });

  router.get('/k/:code/tokens', pageViewsPerIp('tokens:kiosk', deps.limits, 120), async (req, res) => {
    const code = String(req.params.code);
    if (!LINK_CODE_PATTERN.test(code)) throw new NotFoundError();
    const now = deps.clock();
    const form = await deps.blank.find(code, 'kiosk', now);
    const tokens = Array.from({ length: KIOSK_TOKENS }, () => deps.blank.newToken(form.survey, code));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ tokens, issuedAt: now.getTime(), validForMs: TOKEN_MAX_AGE_MS, refreshAfterMs: KIOSK_TOKEN_REFRESH_MS });
  });
}
