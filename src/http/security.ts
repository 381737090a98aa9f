import helmet from 'helmet';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Strict CSP: scripts and styles only from our origin, never inline (chart data travels in JSON script blocks
 * of type application/json, which CSP does not execute). No framing, forms post only to us.
 */
export function securityHeaders(isProduction: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(isProduction ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only where TLS is guaranteed; a local `npm start` on http must not pin browsers to https.
    strictTransportSecurity: isProduction ? { maxAge: 31536000, includeSubDomains: true } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * The headers `securityHeaders` sets, as a list computed once: the same for every response, so the form page's
 * fast path (forms/form-page-fast-path.ts) writes them without running helmet on each view.
 */
export function securityHeaderList(isProduction: boolean): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const capture = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  // Type escape: helmet only calls setHeader and removeHeader on the response; a whole express Response is not needed.
  securityHeaders(isProduction)({} as Request, capture as unknown as Response, () => undefined);
  return headers;
}
