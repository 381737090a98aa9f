import type { SKRSContext2D } from '@napi-rs/canvas';
import type { ChartConfiguration, Plugin } from 'chart.js';

export interface TrendPoint {
  label: string;
  /** Fraction (0.842 = 84.2%); null when the month has no data or its cell is hidden. */
  share: number | null;
  target: number | null;
}

export interface TrendChartOptions {
  title: string;
  width?: number;
  height?: number;
  /** Legend texts; Vietnamese by default. */
  labels?: { share: string; target: string };
}

/**
 * Skia (@napi-rs/canvas, a 35 MB native library) and chart.js are loaded at the first chart, not when the app
 * starts: about 45 MB of RSS that an instance which never draws one does not need (docs/benchmarks.md, session 16).
 */
async function loadCharting() {
  const [{ createCanvas }, chartJs] = await Promise.all([import('@napi-rs/canvas'), import('chart.js')]);
  const { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Title } = chartJs;
  // Only what a line chart needs: a smaller registry than chart.js/auto, and registering twice is harmless.
  Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Title);
  return { createCanvas, Chart };
}

// chart.js' default (Helvetica/Arial) is missing on Linux servers; these carry Vietnamese diacritics.
const FONT_FAMILY = "'DejaVu Sans', 'Noto Sans', 'Liberation Sans', Arial, sans-serif";

// chart.js clears to transparent; mail clients in dark mode would then show black axes on a dark background.
const whiteBackground: Plugin<'line'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    // Type escape: chart.js types its context as the DOM's, which this Node build leaves out (lib ES2022); it is @napi-rs/canvas's.
    const ctx = chart.ctx as unknown as SKRSContext2D;
    const { width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

const toPercent = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 10);

/** Lowest axis value: a little under the lowest share or target, in steps of 10, so small changes stay visible. */
function axisMin(points: TrendPoint[]): number {
  const values = points.flatMap((p) => [p.share, p.target]).filter((v): v is number => v !== null);
  if (!values.length) return 0;
  return Math.max(0, Math.floor((Math.min(...values) * 100 - 5) / 10) * 10);
}

/** The 12-month satisfaction line with the target dashed, as PNG bytes (server-side, no DOM). */
export async function renderTrendPng(points: TrendPoint[], options: TrendChartOptions): Promise<Buffer> {
  const width = options.width ?? 640;
  const height = options.height ?? 320;
  const labels = options.labels ?? { share: 'Tỷ lệ hài lòng (%)', target: 'Chỉ tiêu (%)' };
  const { createCanvas, Chart } = await loadCharting();
  const canvas = createCanvas(width, height);
  const font = { family: FONT_FAMILY, size: 12 };

  const config: ChartConfiguration<'line', (number | null)[], string> = {
    type: 'line',
    data: {
      labels: points.map((p) => p.label),
      datasets: [
        {
          label: labels.share,
          data: points.map((p) => toPercent(p.share)),
          borderColor: '#1d4ed8',
          backgroundColor: '#1d4ed8',
          borderWidth: 3,
          pointRadius: 4,
          spanGaps: false,
          clip: false,
        },
        {
          label: labels.target,
          data: points.map((p) => toPercent(p.target)),
          borderColor: '#b91c1c',
          backgroundColor: '#b91c1c',
          borderWidth: 2,
          borderDash: [8, 5],
          pointRadius: 0,
          spanGaps: true,
        },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      layout: { padding: 8 },
      scales: {
        x: { offset: true, ticks: { font, color: '#374151' }, grid: { display: false } },
        y: { min: axisMin(points), max: 100, ticks: { font, color: '#374151', stepSize: 10, callback: (value) => `${value}%` }, grid: { color: '#e5e7eb' } },
      },
      plugins: {
        title: { display: true, text: options.title, font: { ...font, size: 15, weight: 'bold' }, color: '#111827' },
        legend: { position: 'bottom', labels: { font, color: '#111827', boxHeight: 2 } },
      },
    },
    plugins: [whiteBackground],
  };

  // chart.js takes a 2D context and finds the canvas through it; the napi-rs context is close enough at runtime.
  const chart = new Chart(canvas.getContext('2d'), config);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
