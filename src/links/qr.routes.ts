import { Router } from 'express';
import { NotFoundError } from '../errors';
import { LINK_CODE_PATTERN } from './link-code';
import type { LinkModel } from './link.model';
import { linkUrl, qrPng, qrSvg } from './qr';

/** QR images of a link, PNG or SVG, pointing at PUBLIC_BASE_URL (the code is public anyway: it is on the poster). */
export function qrRoutes(deps: { Link: LinkModel; publicBaseUrl: string }): Router {
  const router = Router();
  router.get('/qr/:file', async (req, res) => {
    const match = /^(\w+)\.(png|svg)$/.exec(String(req.params.file));
    if (!match || !LINK_CODE_PATTERN.test(match[1]!)) throw new NotFoundError();
    const link = await deps.Link.findOne({ code: match[1] }).lean();
    if (!link) throw new NotFoundError();
    const url = linkUrl(deps.publicBaseUrl, link.code, link.channel);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    if (match[2] === 'png') res.type('png').send(await qrPng(url));
    else res.type('image/svg+xml').send(await qrSvg(url));
  });
  return router;
}
