import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options, type Store } from 'express-rate-limit';
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

/**
 * A limiter counting in `stores` (a shared store lets requests through when it cannot be reached), or in `store`
 * when the caller made it (to count in it too: formPageViewsPerIp).
 */
function limiter(
  stores: LimitStores,
  name: string,
  options: Partial<Options>,
  store: Store | undefined = stores.storeFor(name),
  shared = store !== undefined,
): RequestHandler {
  return rateLimit({ legacyHeaders: false, handler: tooMany, ...options, ...(store ? { store, passOnStoreError: shared } : {}) });
}

/** Form posts per link and IP: 600 a minute (10 a second, sustained) before 429. */
export function submissionsPerLinkAndIp(name: string, stores: LimitStores = memoryLimitStores, limit = 600): RequestHandler {
  return limiter(stores, name, {
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    // Bounded whatever reaches it (the routes check the code's shape first).
    keyGenerator: (req) => `${String(req.params.code).slice(0, 40)}|${ipKeyGenerator(req.ip ?? 'unknown')}`,
  });
}

/** 128 bits of the token's SHA-256: as good a key as the token, a sixth of its size. */
const tokenDigest = (token: string) => crypto.createHash('sha256').update(token).digest('base64url').slice(0, 22);

/** Posts of one form token: a few retries after validation errors or an outage, never a flood. */
export function submissionsPerToken(name: string, stores: LimitStores = memoryLimitStores, limit = 20): RequestHandler {
  return limiter(stores, name, {
    windowMs: 10 * 60_000,
    limit,
    standardHeaders: false,
    // A digest, not the token: at hundreds of answers a second the store holds every token of the last 10 minutes,
    // and each key kept its 150-character token alive (B2 on Node 24: 11,520 of them after 20 s).
    keyGenerator: (_req, res) => `t|${tokenDigest((res.locals.form as Map<string, string> | undefined)?.get('_token') ?? '')}`,
  });
}

/** `limit` requests a minute per client address, counted apart for each `purpose`. */
function perMinutePerIp(purpose: string, name: string, stores: LimitStores, limit: number, store?: Store, shared?: boolean): RequestHandler {
  return limiter(
    stores,
    name,
    {
      windowMs: 60_000,
      limit,
      standardHeaders: 'draft-8',
      keyGenerator: (req) => `${purpose}|${ipKeyGenerator(req.ip ?? 'unknown')}`,
    },
    store,
    shared,
  );
}

/** Page views per IP: 1,200 a minute. */
export const pageViewsPerIp = (name: string, stores: LimitStores = memoryLimitStores, limit = 1200): RequestHandler =>
  perMinutePerIp('page', name, stores, limit);

/** A per-minute limit per client address that can also be counted without express (`hit`). */
export interface AddressLimit {
  middleware: RequestHandler;
  limit: number;
  /**
   * Counts one request from `address` in the same store and under the same key as the middleware. `allowed` is
   * false once over the limit; a shared store that cannot be reached lets the request through, as the middleware does.
   */
  hit(address: string): Promise<{ allowed: boolean; remaining: number; resetSeconds: number }>;
}

/**
 * Form page views per IP, 1,200 a minute, for the form page's fast path (forms/form-page-fast-path.ts): it
 * counts views it serves with `hit`, and the requests it leaves to express are counted by `middleware`, in one store.
 */
export function formPageViewsPerIp(name: string, stores: LimitStores = memoryLimitStores, limit = 1200): AddressLimit {
  const windowMs = 60_000;
  const shared = stores.storeFor(name);
  const store = shared ?? new MemoryStore();
  // The key perMinutePerIp('page', …) gives the middleware's requests: both paths count under one key.
  const keyOf = (address: string) => `page|${ipKeyGenerator(address)}`;
  const middleware = perMinutePerIp('page', name, stores, limit, store, Boolean(shared));
  const hit = async (address: string) => {
    try {
      const { totalHits, resetTime } = await store.increment(keyOf(address));
      const resetSeconds = resetTime ? Math.max(0, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : windowMs / 1000;
      return { allowed: totalHits <= limit, remaining: Math.max(0, limit - totalHits), resetSeconds };
    } catch (error) {
      if (!shared) throw error;
      return { allowed: true, remaining: limit, resetSeconds: windowMs / 1000 };
    }
  };
  return { middleware, limit, hit };
}

/**
 * QR images per IP: 300 a minute. Only staff fetch them (posters, downloads); a new image costs a render, so an
 * address walking through codes is stopped long before it keeps a core busy.
 */
export const qrImagesPerIp = (stores: LimitStores = memoryLimitStores, limit = 300): RequestHandler => perMinutePerIp('qr', 'qr', stores, limit);
