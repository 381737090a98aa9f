import { Router } from 'express';
import { NotFoundError } from '../errors';
import type { LimitStores } from '../http/rate-limit-store';
import { qrImagesPerIp } from '../http/rate-limits';
import { LINK_CODE_PATTERN } from './link-code';
import type { LinkModel } from './link.model';
import { linkUrl, qrPng, qrSvg } from './qr';
import { QrImageCache } from './qr-cache';

/**
 * QR images of a link, PNG or SVG, pointing at PUBLIC_BASE_URL (the code is public anyway: it is on the poster).
 * Rendered once per (code, format) and kept in a bounded cache; requests are rate limited per address.
 */
export function qrRoutes(deps: { Link: LinkModel; publicBaseUrl: string; imagesPerMinute?: number; cacheEntries?: number; limits?: LimitStores }): Router {
  const router = Router();
  const cache = new QrImageCache<Buffer | string>(deps.cacheEntries);
  router.get('/qr/:file', qrImagesPerIp(deps.limits, deps.imagesPerMinute), async (req, res) => {
    const match = /^(\w+)\.(png|svg)$/.exec(String(req.params.file));
    if (!match || !LINK_CODE_PATTERN.test(match[1]!)) throw new NotFoundError();
    const code = match[1]!;
    const format = match[2] === 'png' ? 'png' : 'svg';
    const image = await cache.getOrRender(`${code}.${format}`, async () => {
      const link = await deps.Link.findOne({ code }).lean();
      if (!link) throw new NotFoundError();
      const url = linkUrl(deps.publicBaseUrl, link.code, link.channel);
      return format === 'png' ? qrPng(url) : qrSvg(url);
    });
    res.setHeader('Cache-Control', 'public, max-age=86400');
    if (format === 'png') res.type('png').send(image);
    else res.type('image/svg+xml').send(image);
  });
  return router;
}
