import QRCode from 'qrcode';
import type { Channel } from '../surveys/instrument.types';

/** The public address a link's QR code points to. */
export function linkUrl(publicBaseUrl: string, code: string, channel: Channel): string {
  return `${publicBaseUrl}/${channel === 'kiosk' ? 'k' : 's'}/${code}`;
}

// Medium error correction survives a scuffed or partly covered poster; a quiet zone of 4 modules as the spec asks.
const options = { errorCorrectionLevel: 'M' as const, margin: 4 };

export const qrPng = (url: string, width = 600): Promise<Buffer> => QRCode.toBuffer(url, { ...options, type: 'png', width });
export const qrSvg = (url: string): Promise<string> => QRCode.toString(url, { ...options, type: 'svg' });
