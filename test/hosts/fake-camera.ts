import { writeFileSync } from 'node:fs';
import { type RgbImage, resizeBilinear } from '../../src/io/image.js';

/**
 * A .y4m video for Chromium's fake camera (--use-file-for-fake-video-capture): the photo scaled to
 * the frame height on a grey background, sliding sideways frame by frame, so the page's camera
 * loop segments a real person. I420 ("C420jpeg": full-range BT.601, as JPEG).
 */
export function writeFakeCameraY4m(
  path: string,
  photo: RgbImage,
  options: { width?: number; height?: number; frames?: number } = {},
): void {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const frames = options.frames ?? 12;
  const side = Math.min(height, width);
  const person = resizeBilinear(photo, side, side);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F15:1 Ip A1:1 C420jpeg\n`);
  const frameBytes = width * height * 1.5;
  const parts: Uint8Array[] = [header];
  const rgb = new Uint8Array(width * height * 3);
  for (let f = 0; f < frames; f++) {
    // Slide across the free width and back: x offset in [0, width - side].
    const span = width - side;
    const phase = frames > 1 ? f / (frames - 1) : 0;
    const x0 = Math.round(span * (phase < 0.5 ? 2 * phase : 2 - 2 * phase));
    rgb.fill(128);
    for (let y = 0; y < side; y++) {
      rgb.set(person.data.subarray(y * side * 3, (y + 1) * side * 3), (y * width + x0) * 3);
    }
    parts.push(Buffer.from('FRAME\n'), toI420(rgb, width, height, frameBytes));
  }
  writeFileSync(path, Buffer.concat(parts));
}

function toI420(rgb: Uint8Array, width: number, height: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const cw = width / 2;
  const u0 = width * height;
  const v0 = u0 + cw * (height / 2);
  for (let p = 0; p < width * height; p++) {
    const r = rgb[3 * p] as number;
    const g = rgb[3 * p + 1] as number;
    const b = rgb[3 * p + 2] as number;
    out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      // Chroma of the 2x2 block's mean colour.
      let r = 0;
      let g = 0;
      let b = 0;
      for (const p of [y * width + x, y * width + x + 1, (y + 1) * width + x, (y + 1) * width + x + 1]) {
        r += (rgb[3 * p] as number) / 4;
        g += (rgb[3 * p + 1] as number) / 4;
        b += (rgb[3 * p + 2] as number) / 4;
      }
      const c = (y / 2) * cw + x / 2;
      out[u0 + c] = Math.min(255, Math.max(0, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
      out[v0 + c] = Math.min(255, Math.max(0, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
    }
  }
  return out;
}
