import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors';
import type { Models } from '../models';
import type { Principal } from './scope';
import { destroySession } from './session';

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** Set when this request found its session timed out (the login page says so). */
    sessionExpired?: boolean;
    /** The signed-in user must choose a new password before anything else (see requirePasswordChange). */
    passwordChangeRequired?: boolean;
  }
}

declare module 'express-session' {
  interface SessionData {
    /** The user's credentialVersion at sign-in: a password change or reset since then ends the session. */
    credentialVersion?: number;
  }
}

/** Tokens made before expiry existed live a year from creation, like new ones by default. */
export const API_TOKEN_LIFETIME_MS = 365 * 24 * 3600_000;
export const tokenExpiry = (token: { createdAt: Date; expiresAt?: Date | null }) =>
  token.expiresAt ?? new Date(token.createdAt.getTime() + API_TOKEN_LIFETIME_MS);

export const hashApiToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/**
 * Resolves the signed-in user from the session, enforcing the idle and absolute timeouts against the injected
 * clock; a disabled or deleted user loses the session at once.
 */
export function loadSessionUser(models: Models, clock: () => Date, limits: SessionLimits): RequestHandler {
  return async (req, _res, next) => {
    const data = req.session;
    if (!data?.userId) {
      next();
      return;
    }
    const now = clock().getTime();
    const expired = now - (data.lastSeenAt ?? 0) > limits.idleMs || now - (data.signedInAt ?? 0) > limits.absoluteMs;
    const user = expired ? null : await models.User.findById(data.userId).lean();
    const stale = user && (user.credentialVersion ?? 0) !== (data.credentialVersion ?? 0);
    if (!user || user.disabled || stale) {
      req.sessionExpired = expired;
      await destroySession(req);
      next();
      return;
    }
    data.lastSeenAt = now;
    req.principal = { kind: 'user', id: String(user._id), label: user.email, role: user.role, unitCode: user.unitCode };
    req.passwordChangeRequired = user.mustChangePassword === true;
    next();
  };
}

function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+([\w.-]{20,200})$/i.exec(header) : null;
  return match?.[1];
}

/**
 * For the JSON API: a bearer API token (hashed lookup, not revoked, not expired, its creator still active) or a
 * signed-in session that needs no password change; else 401 (403 for the pending password change).
 */
export function requireApiPrincipal(models: Models, clock: () => Date): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req);
    if (token) {
      const stored = await models.ApiToken.findOne({ tokenHash: hashApiToken(token) }).lean();
      if (!stored || stored.revokedAt) throw new UnauthorizedError('Invalid or revoked API token.');
      if (tokenExpiry(stored) <= clock()) throw new UnauthorizedError('This API token has expired.');
      // Disabling a user revokes their tokens; checked here too, for accounts disabled by any other way.
      const creator = await models.User.findOne({ email: stored.createdBy }, { disabled: 1 }).lean();
      if (creator?.disabled) throw new UnauthorizedError('Invalid or revoked API token.');
      req.principal = { kind: 'token', id: String(stored._id), label: stored.name, role: 'viewer', unitCode: stored.unitCode };
      models.ApiToken.updateOne({ _id: stored._id }, { $set: { lastUsedAt: clock() } }).catch(() => undefined);
      next();
      return;
    }
    if (!req.principal) throw new UnauthorizedError();
    if (req.passwordChangeRequired) throw new ForbiddenError('Change your password first.');
    next();
  };
}

/** For admin pages: signed in, else to the login page (remembering where to come back to). */
export const requireUser: RequestHandler = (req, res, next) => {
  if (req.principal) {
    next();
    return;
  }
  const back = req.method === 'GET' && req.originalUrl.startsWith('/admin') ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/admin/login${back}${req.sessionExpired ? `${back ? '&' : '?'}expired=1` : ''}`);
};
