import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import { TooManyRequestsError } from '../errors';
import { memoryLimitStores, type LimitStores } from './rate-limit-store';

/**
 * Limits for the public forms. A whole school often arrives through one Wi-Fi address, so the per-IP ceiling is
 * generous (a parents' meeting of 300 posting within 5 minutes passes easily) and the tighter limit is per form
 * token. Counters live in each instance's memory, or in one Redis shared by all instances when
 * RATE_LIMIT_REDIS_URL is set (rate-limit-store.ts); `name` keeps each limiter's counters apart there.
 */
const tooMany: RequestHandler = () => {
  throw new TooManyRequestsError();
};

/** A limiter counting in `stores` (a shared store lets requests through when it cannot be reached). */
function limiter(stores: LimitStores, name: string, options: Partial<Options>): RequestHandler {
  const store = stores.storeFor(name);
  return rateLimit({ legacyHeaders: false, handler: tooMany, ...options, ...(store ? { store, passOnStoreError: true } : {}) });
}

/** Form posts per link and IP: 600 a minute (10 a second, sustained) before 429. */
export function submissionsPerLinkAndIp(name: string, stores: LimitStores = memoryLimitStores, limit = 600): RequestHandler {
  return limiter(stores, name, {
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    keyGenerator: (req) => `${String(req.params.code)}|${ipKeyGenerator(req.ip ?? 'unknown')}`,
  });
}

/** Posts of one form token: a few retries after validation errors or an outage, never a flood. */
export function submissionsPerToken(name: string, stores: LimitStores = memoryLimitStores, limit = 20): RequestHandler {
  return limiter(stores, name, {
    windowMs: 10 * 60_000,
    limit,
    standardHeaders: false,
    keyGenerator: (_req, res) => `t|${String((res.locals.form as Map<string, string> | undefined)?.get('_token') ?? '').slice(0, 120)}`,
  });
}

/** `limit` requests a minute per client address, counted apart for each `purpose`. */
function perMinutePerIp(purpose: string, name: string, stores: LimitStores, limit: number): RequestHandler {
  return limiter(stores, name, {
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    keyGenerator: (req) => `${purpose}|${ipKeyGenerator(req.ip ?? 'unknown')}`,
  });
}

/** Page views per IP: 1,200 a minute. */
export const pageViewsPerIp = (name: string, stores: LimitStores = memoryLimitStores, limit = 1200): RequestHandler => perMinutePerIp('page', name, stores, limit);

/**
 * QR images per IP: 300 a minute. Only staff fetch them (posters, downloads); a new image costs a render, so an
 * address walking through codes is stopped long before it keeps a core busy.
 */
export const qrImagesPerIp = (stores: LimitStores = memoryLimitStores, limit = 300): RequestHandler => perMinutePerIp('qr', 'qr', stores, limit);
