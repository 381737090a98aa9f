import type { RequestHandler } from 'express';
import { isLang, translator, type Lang } from '../i18n';

const COOKIE = 'lang';

/**
 * Vietnamese by default. `?lang=en` switches and remembers the choice in a cookie, so a form posted later
 * (without JavaScript, without the query string) keeps the language.
 */
export function language(isProduction: boolean): RequestHandler {
  return (req, res, next) => {
    const fromQuery = req.query.lang;
    const fromCookie = (req.cookies as Record<string, unknown> | undefined)?.[COOKIE];
    let lang: Lang = 'vi';
    if (isLang(fromQuery)) {
      lang = fromQuery;
      res.cookie(COOKIE, lang, { httpOnly: true, sameSite: 'lax', secure: isProduction, maxAge: 365 * 24 * 3600 * 1000 });
    } else if (isLang(fromCookie)) {
      lang = fromCookie;
    }
    res.locals.lang = lang;
    res.locals.t = translator(lang);
    res.locals.otherLang = lang === 'vi' ? 'en' : 'vi';
    // Never `//host/...`: printed into a link, a path starting with two slashes (or a backslash, which browsers
    // read as a slash) points at another site. The header's switch is a query-only link for the same reason.
    res.locals.currentPath = req.path.replace(/^[/\\]+/, '/');
    next();
  };
}
