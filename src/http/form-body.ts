import type { RequestHandler } from 'express';
import express from 'express';
import { BadRequestError, UnsupportedMediaTypeError } from '../errors';

/**
 * A strict parser for HTML form posts (application/x-www-form-urlencoded), used by the public survey routes.
 * Unlike the generic parsers it refuses what a real browser never sends, so nothing odd reaches validation:
 * - bytes or percent-escapes that are not valid UTF-8 (400), instead of silently turning them into U+FFFD;
 * - a field given twice (400), instead of turning it into an array;
 * - any content type other than urlencoded (415), so JSON bodies with `$where` or `__proto__` never parse.
 * The result is a Map, so keys such as `__proto__` or `constructor` are plain data.
 */
export type FormFields = Map<string, string>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseUrlEncoded(raw: Buffer): FormFields {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new BadRequestError('The form data is not valid UTF-8.');
  }
  const fields: FormFields = new Map();
  if (text.length === 0) return fields;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1));
    if (fields.has(name)) throw new BadRequestError(`The field "${name.slice(0, 40)}" was sent more than once.`);
    fields.set(name, value);
  }
  return fields;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    throw new BadRequestError('The form data is not valid UTF-8.');
  }
}

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Reads the raw body (size-limited) and puts the parsed fields on `res.locals.form`. */
export function formBody(limit = '16kb'): RequestHandler[] {
  return [
    (req, _res, next) => {
      if (!req.is(FORM_TYPE)) {
        throw new UnsupportedMediaTypeError('Only HTML form posts (application/x-www-form-urlencoded) are accepted.');
      }
      const charset = /charset=([^;]+)/i
        .exec(req.headers['content-type'] ?? '')?.[1]
        ?.trim()
        .toLowerCase();
      if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaTypeError('Only UTF-8 form data is accepted.');
      next();
    },
    express.raw({ type: FORM_TYPE, limit }),
    (req, res, next) => {
      res.locals.form = parseUrlEncoded(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      next();
    },
  ];
}
