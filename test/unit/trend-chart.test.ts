import fs from 'node:fs';
import path from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { renderTrendPng, type TrendPoint } from '../../src/reports/trend-chart';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const SCREENSHOT = path.join(__dirname, '..', '..', 'test-results', 'screenshots', 'monthly-trend.png');

// Twelve months ending 10/2026; two months without data must leave gaps, not zeros.
const shares = [0.78, 0.8, null, 0.812, 0.83, 0.79, 0.845, null, 0.861, 0.85, 0.838, 0.842];
const points: TrendPoint[] = shares.map((share, i) => {
  const month = ((10 + i) % 12) + 1;
  const year = i < 2 ? 2025 : 2026;
  return { label: `${String(month).padStart(2, '0')}/${year}`, share, target: 0.85 };
});

/** Width and height from the IHDR chunk, which always follows the signature and its 8-byte chunk header. */
function ihdrSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function nonWhitePixels(png: Buffer): Promise<number> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240) count++;
  }
  return count;
}

describe('trend chart rendered on the server', () => {
  let png: Buffer;
  beforeAll(async () => {
    png = await renderTrendPng(points, { title: 'Tỷ lệ hài lòng 12 tháng – Sở Giáo dục và Đào tạo', width: 720, height: 360 });
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    fs.writeFileSync(SCREENSHOT, png);
  });

  it('when twelve months with gaps are rendered, then the bytes are a PNG', () => {
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it('when a size is requested, then the image has exactly that width and height', () => {
    expect(ihdrSize(png)).toEqual({ width: 720, height: 360 });
  });

  it('when no size is given, then a default e-mail-sized image comes out', async () => {
    expect(ihdrSize(await renderTrendPng(points, { title: 'Trend' }))).toEqual({ width: 640, height: 320 });
  });

  it('when the image is decoded, then lines, axes and text were drawn on a white background', async () => {
    const image = await loadImage(png);
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const corner = ctx.getImageData(0, 0, 1, 1).data;
    expect([...corner]).toEqual([255, 255, 255, 255]);
    // a blank or transparent render has none; the lines, labels and grid alone are several thousand
    expect(await nonWhitePixels(png)).toBeGreaterThan(3000);
  });

  it('when every month is empty, then a chart still renders rather than throwing', async () => {
    const empty = points.map((p) => ({ ...p, share: null, target: null }));
    const blank = await renderTrendPng(empty, { title: 'Chưa có dữ liệu' });
    expect(blank.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });
});
