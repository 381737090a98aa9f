import type { Request, Response } from 'express';

/**
 * A soft repeat check: a signed cookie lists the links this browser already answered. A second answer from the
 * same device is stored but flagged for review, never blocked (two children at one school are two answers).
 * The cookie holds link codes only, nothing about the person.
 */
const COOKIE = 'hl_done';
const MAX_CODES = 30;

function codesOf(req: Request): string[] {
  const value = (req.signedCookies as Record<string, unknown> | undefined)?.[COOKIE];
  return typeof value === 'string' ? value.split('.').filter(Boolean) : [];
}

export function deviceHasSubmitted(req: Request, code: string): boolean {
  return codesOf(req).includes(code);
}

export function rememberSubmission(req: Request, res: Response, code: string, secure: boolean): void {
  const codes = [code, ...codesOf(req).filter((c) => c !== code)].slice(0, MAX_CODES);
  res.cookie(COOKIE, codes.join('.'), { signed: true, httpOnly: true, sameSite: 'lax', secure, maxAge: 180 * 24 * 3600 * 1000 });
}
