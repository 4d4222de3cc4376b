// Writes test/fixtures/crf-densecrf/: a small real image, probabilities and densecrf v2's Q for
// them, the independent oracle of test/post/crf-densecrf.test.ts. Run (driver built as in
// README.md; the fixture was made with the plain -O2 build):
//   npx vite-node bench/densecrf/make-fixture.ts --densecrf-bin /tmp/densecrf/driver-O2
// image.npy: uint8 (48, 64, 3), the astronaut's 384x288 region at (64, 0) averaged over 6x6 blocks
// (face, suit, flag, background); probs.npy: float32 (5, 48, 64), noisyColourProbs(image, 5, seed 7)
// from bench/crf-inputs.ts; q-<preset>.npy: float32 (5, 48, 64), densecrf's Q for deeplab-v2 and
// densecrf.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Tensor } from '../../src/engine/tensor.js';
import { encodeNpy } from '../../src/io/npy.js';
import { loadAstronaut, noisyColourProbs } from '../crf-inputs.js';

const argv = process.argv.slice(2);
const bin = argv.includes('--densecrf-bin') ? argv[argv.indexOf('--densecrf-bin') + 1] : undefined;
if (!bin) {
  console.error('usage: npx vite-node bench/densecrf/make-fixture.ts --densecrf-bin PATH');
  process.exit(2);
}
const dir = new URL('../../test/fixtures/crf-densecrf/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });

const [W, H, BLOCK, X0, Y0, C, SEED] = [64, 48, 6, 64, 0, 5, 7];
const full = loadAstronaut();
const data = new Uint8Array(W * H * 3);
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    for (let k = 0; k < 3; k++) {
      let s = 0;
      for (let dy = 0; dy < BLOCK; dy++) {
        for (let dx = 0; dx < BLOCK; dx++) {
          s += full.data[((Y0 + y * BLOCK + dy) * full.width + X0 + x * BLOCK + dx) * 3 + k] as number;
        }
      }
      data[(y * W + x) * 3 + k] = Math.round(s / (BLOCK * BLOCK));
    }
  }
}
const image = { width: W, height: H, data };
const probs = noisyColourProbs(image, C, SEED);
writeFileSync(`${dir}image.npy`, encodeNpy(new Tensor('uint8', [H, W, 3], data)));
writeFileSync(`${dir}probs.npy`, encodeNpy(new Tensor('float32', [C, H, W], probs.data)));
for (const preset of ['deeplab-v2', 'densecrf']) {
  const out = execFileSync(
    bin,
    [
      ...['--image', `${dir}image.npy`, '--probs', `${dir}probs.npy`, '--out', `${dir}q-${preset}.npy`],
      ...['--preset', preset, '--runs', '1', '--warmup', '0'],
    ],
    { encoding: 'utf8' },
  );
  console.log(out.split('\n')[0]);
}
console.log(`written ${dir}{image,probs,q-deeplab-v2,q-densecrf}.npy`);
