import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { TooManyRequestsError } from '../errors';

/**
 * Limits for the public forms. A whole school often arrives through one Wi-Fi address, so the per-IP ceiling is
 * generous (a parents' meeting of 300 posting within 5 minutes passes easily) and the tighter limit is per form
 * token. Counters live in each instance's memory: with N instances the effective ceiling is N times higher, a
 * documented trade-off that keeps submissions off a shared store.
 */
const tooMany: RequestHandler = () => {
  throw new TooManyRequestsError();
};

/** Form posts per link and IP: 600 a minute (10 a second, sustained) before 429. */
export function submissionsPerLinkAndIp(limit = 600): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${String(req.params.code)}|${ipKeyGenerator(req.ip ?? 'unknown')}`,
    handler: tooMany,
  });
}

/** Posts of one form token: a few retries after validation errors or an outage, never a flood. */
export function submissionsPerToken(limit = 20): RequestHandler {
  return rateLimit({
    windowMs: 10 * 60_000,
    limit,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (_req, res) => `t|${String((res.locals.form as Map<string, string> | undefined)?.get('_token') ?? '').slice(0, 120)}`,
    handler: tooMany,
  });
}

/** `limit` requests a minute per client address, counted apart for each `purpose`. */
function perMinutePerIp(purpose: string, limit: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${purpose}|${ipKeyGenerator(req.ip ?? 'unknown')}`,
    handler: tooMany,
  });
}

/** Page views per IP: 1,200 a minute. */
export const pageViewsPerIp = (limit = 1200): RequestHandler => perMinutePerIp('page', limit);

/**
 * QR images per IP: 300 a minute. Only staff fetch them (posters, downloads); a new image costs a render, so an
 * address walking through codes is stopped long before it keeps a core busy.
 */
export const qrImagesPerIp = (limit = 300): RequestHandler => perMinutePerIp('qr', limit);
