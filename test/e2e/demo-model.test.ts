import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { decodePng, IMAGENET_MEAN, IMAGENET_STD, imageToTensor, resizeBilinear } from '../../src/io/image.js';
import { argmaxMask } from '../../src/io/mask.js';

/**
 * The bundled demo model (scripts/make-demo-model.py): a colour-region segmenter. Its regions are
 * k-means clusters in Lab sorted by lightness, so on a real photo the mask must (a) use several
 * regions and (b) put darker pixels in lower-numbered regions.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = join(ROOT, 'assets/demo-model.onnx');
const PHOTO = join(ROOT, 'assets/astronaut.png');
const SIZE = 256;

describe('assets/demo-model.onnx', () => {
  it.skipIf(!existsSync(MODEL))('declares its input, output and preprocessing', async () => {
    const session = await Session.create(readFileSync(MODEL), { backend: 'ref' });
    try {
      const meta = session.graph.metadata ?? {};
      const classes = (meta['class_names'] ?? '').split(',');
      expect(classes.length).toBeGreaterThanOrEqual(4);
      expect(classes.length).toBeLessThanOrEqual(6);
      expect(classes).toEqual(classes.map((_, k) => `region${k}`));
      expect(meta['mean']?.split(',').map(Number)).toEqual([...IMAGENET_MEAN]);
      expect(meta['std']?.split(',').map(Number)).toEqual([...IMAGENET_STD]);
      expect(meta['description']).toMatch(/NOT a semantic/);
      expect(session.inputs.map((i) => [...i.shape])).toEqual([[1, 3, SIZE, SIZE]]);
      expect(session.outputs.map((o) => [...o.shape])).toEqual([[1, classes.length, SIZE, SIZE]]);
    } finally {
      session.release();
    }
  });

  it.skipIf(!existsSync(MODEL))(
    'segments the bundled photo into lightness-ordered colour regions',
    async () => {
      const session = await Session.create(readFileSync(MODEL), { backend: 'ref' });
      try {
        const image = resizeBilinear(decodePng(new Uint8Array(readFileSync(PHOTO))), SIZE, SIZE);
        const input = session.inputs[0]!;
        const out = await session.run({ [input.name]: imageToTensor(image) });
        const logits = out[session.outputs[0]!.name] as Tensor;
        const mask = argmaxMask(logits);
        const k = logits.dims[1]!;
        const count = new Array<number>(k).fill(0);
        const luma = new Array<number>(k).fill(0);
        for (let p = 0; p < mask.labels.length; p++) {
          const c = mask.labels[p]!;
          const [r, g, b] = [image.data[3 * p]!, image.data[3 * p + 1]!, image.data[3 * p + 2]!];
          count[c]! += 1;
          luma[c]! += 0.2126 * r + 0.7152 * g + 0.0722 * b;
        }
        const present = count.map((n, c) => ({
          c,
          share: n / mask.labels.length,
          luma: luma[c]! / Math.max(n, 1),
        }));
        const used = present.filter((r) => r.share >= 0.02);
        expect(used.length, JSON.stringify(present)).toBeGreaterThanOrEqual(3);
        expect(Math.max(...present.map((r) => r.share)), JSON.stringify(present)).toBeLessThan(0.6);
        // region0 is the darkest cluster: mean luminance rises with the region index.
        for (let i = 1; i < used.length; i++) {
          expect(used[i]!.luma, JSON.stringify(used)).toBeGreaterThan(used[i - 1]!.luma);
        }
      } finally {
        session.release();
      }
    },
  );
});
