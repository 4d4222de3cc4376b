#!/usr/bin/env node
// Writes a labelled set for `atrous eval` from the repo's own files: the bundled photos (assets/) as
// images and MediaPipe's person masks for them (test/fixtures/mediapipe, thresholded at 0.5) as
// 0/1 label PNGs.   node scripts/selfie-eval-set.mjs OUT_DIR   →   OUT_DIR/images, OUT_DIR/labels
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from 'fast-png';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/selfie-eval-set.mjs OUT_DIR');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(out, 'images'), { recursive: true });
mkdirSync(join(out, 'labels'), { recursive: true });
for (const photo of ['astronaut', 'chelsea', 'coffee']) {
  copyFileSync(join(root, 'assets', `${photo}.png`), join(out, 'images', `${photo}.png`));
  const mask = decode(readFileSync(join(root, 'test/fixtures/mediapipe', `${photo}.png`)));
  const labels = Uint8Array.from(mask.data, (v) => (v > 127 ? 1 : 0));
  const png = encode({ width: mask.width, height: mask.height, data: labels, channels: 1, depth: 8 });
  writeFileSync(join(out, 'labels', `${photo}.png`), png);
}
console.log(`${out}/images and ${out}/labels: 3 photos with MediaPipe's person masks as 0/1 labels`);
