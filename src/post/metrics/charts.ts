import { encode as encodePng } from 'fast-png';
import { vocPalette } from '../../io/mask.js';

/**
 * Charts drawn pixel by pixel into RGBA buffers and encoded with fast-png (no text: PNGs carry no
 * labels; the SVG bar chart has them).
 */

/**
 * Confusion-matrix heatmap: C × C cells (row = truth, column = prediction), each row normalized
 * by its truth pixel count (so the diagonal is the class accuracy); white = 0 → dark blue = 1,
 * rows without truth pixels light grey; 1-pixel grey grid lines.
 */
export function confusionHeatmapPng(
  counts: ArrayLike<number>,
  classes: number,
  cell = defaultCell(classes),
): Uint8Array {
  const size = classes * cell + 1;
  const data = new Uint8Array(size * size * 4).fill(255);
  for (let g = 0; g < classes; g++) {
    let rowSum = 0;
    for (let p = 0; p < classes; p++) rowSum += counts[g * classes + p] as number;
    for (let p = 0; p < classes; p++) {
      const v = rowSum > 0 ? (counts[g * classes + p] as number) / rowSum : -1;
      const rgb: [number, number, number] =
        v < 0
          ? [230, 230, 230]
          : [Math.round(255 - 247 * v), Math.round(255 - 207 * v), Math.round(255 - 148 * v)];
      fillRect(data, size, p * cell + 1, g * cell + 1, cell - 1, cell - 1, rgb);
    }
  }
  for (let k = 0; k <= classes; k++) {
    fillRect(data, size, k * cell, 0, 1, size, [160, 160, 160]);
    fillRect(data, size, 0, k * cell, size, 1, [160, 160, 160]);
  }
  return encodePng({ width: size, height: size, data, channels: 4, depth: 8 });
}

function defaultCell(classes: number): number {
  return Math.max(4, Math.min(32, Math.floor(640 / classes)));
}

/**
 * Per-class IoU bars (height ∝ IoU, colour = the class's VOC palette colour; NaN classes get no
 * bar), horizontal grid lines at 0.25 steps, 200 px tall.
 */
export function iouBarChartPng(iou: readonly number[]): Uint8Array {
  const bar = Math.max(6, Math.min(40, Math.floor(760 / Math.max(1, iou.length))));
  const plot = 200;
  const margin = 10;
  const width = iou.length * bar + 2 * margin;
  const height = plot + 2 * margin;
  const data = new Uint8Array(width * height * 4).fill(255);
  for (let q = 0; q <= 4; q++) {
    fillRect(data, width, margin, margin + Math.round((plot * q) / 4), iou.length * bar, 1, [200, 200, 200]);
  }
  const palette = vocPalette(Math.max(256, iou.length));
  iou.forEach((v, c) => {
    if (Number.isNaN(v)) return;
    const h = Math.round(plot * Math.min(1, Math.max(0, v)));
    const colour = c === 0 ? [90, 90, 90] : (palette[c] as [number, number, number]);
    fillRect(
      data,
      width,
      margin + c * bar + 1,
      margin + plot - h,
      bar - 2,
      h,
      colour as [number, number, number],
    );
  });
  fillRect(data, width, margin, margin + plot, iou.length * bar, 1, [0, 0, 0]);
  return encodePng({ width, height, data, channels: 4, depth: 8 });
}

/** The same bar chart as SVG, with class names and values. */
export function iouBarChartSvg(iou: readonly number[], names: readonly string[]): string {
  const bar = 28;
  const plot = 200;
  const left = 40;
  const bottom = 110;
  const width = left + iou.length * bar + 10;
  const height = plot + 20 + bottom;
  const palette = vocPalette(Math.max(256, iou.length));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  for (let q = 0; q <= 4; q++) {
    const y = 10 + plot - (plot * q) / 4;
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#ccc"/>`);
    parts.push(`<text x="${left - 4}" y="${y + 3}" text-anchor="end">${(q / 4).toFixed(2)}</text>`);
  }
  iou.forEach((v, c) => {
    const x = left + c * bar;
    const [r, g, b] = c === 0 ? [90, 90, 90] : (palette[c] as number[]);
    if (!Number.isNaN(v)) {
      const h = plot * Math.min(1, Math.max(0, v));
      parts.push(
        `<rect x="${x + 2}" y="${10 + plot - h}" width="${bar - 4}" height="${h}" fill="rgb(${r},${g},${b})"/>`,
      );
      parts.push(
        `<text x="${x + bar / 2}" y="${6 + plot - h}" text-anchor="middle" font-size="8">${(100 * v).toFixed(0)}</text>`,
      );
    }
    const label = esc(names[c] ?? String(c));
    parts.push(`<text transform="translate(${x + bar / 2 + 3},${plot + 16}) rotate(60)">${label}</text>`);
  });
  parts.push(
    `<text x="4" y="${10 + plot / 2}" transform="rotate(-90 8 ${10 + plot / 2})">IoU</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

function fillRect(
  data: Uint8Array,
  stride: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
  rgb: readonly [number, number, number],
): void {
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const i = (y * stride + x) * 4;
      data[i] = rgb[0];
      data[i + 1] = rgb[1];
      data[i + 2] = rgb[2];
      data[i + 3] = 255;
    }
  }
}
