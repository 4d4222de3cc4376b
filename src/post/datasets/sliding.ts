import { Tensor } from '../../engine/tensor.js';
import { InputError } from '../../errors.js';

/** Window origins along one axis: every `stride`, the last one flush with the end. */
export function windowStarts(size: number, tile: number, stride: number): number[] {
  if (size <= tile) return [0];
  const out: number[] = [];
  for (let s = 0; s + tile < size; s += stride) out.push(s);
  out.push(size - tile);
  return out;
}

/**
 * Sliding-window inference at the image's own resolution: tiles of the model's input size
 * (1, 3, th, tw) cut from the normalized image (1, 3, H, W) with a stride of 2/3 of the tile
 * (so neighbouring tiles overlap by a third), zero-padded (the mean colour) where the image is
 * smaller than a tile; the class scores of overlapping tiles are averaged. The model's output
 * must have the tile's spatial size. Returns the scores (C, H, W) planar.
 */
export async function slidingWindowScores(
  run: (tile: Tensor<'float32'>) => Promise<Tensor>,
  image: Tensor<'float32'>,
  tile: readonly [number, number],
): Promise<{ channels: number; data: Float32Array }> {
  const [, , H, W] = image.dims as [number, number, number, number];
  const [th, tw] = tile;
  const sy = Math.max(1, Math.ceil((2 * th) / 3));
  const sx = Math.max(1, Math.ceil((2 * tw) / 3));
  let sum: Float64Array | undefined;
  let channels = 0;
  const hits = new Float64Array(H * W);
  const src = image.data;
  for (const y0 of windowStarts(H, th, sy)) {
    for (const x0 of windowStarts(W, tw, sx)) {
      const crop = new Float32Array(3 * th * tw);
      const hh = Math.min(th, H - y0);
      const ww = Math.min(tw, W - x0);
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < hh; y++) {
          const from = (c * H + y0 + y) * W + x0;
          crop.set(src.subarray(from, from + ww), (c * th + y) * tw);
        }
      }
      const out = await run(new Tensor('float32', [1, 3, th, tw], crop));
      const d = out.dims;
      if (d.length !== 4 || d[2] !== th || d[3] !== tw) {
        throw new InputError(
          `sliding window needs scores at the tile size (1, C, ${th}, ${tw}); the model gives [${d.join(', ')}]`,
        );
      }
      channels = d[1] as number;
      sum ??= new Float64Array(channels * H * W);
      const od = out.data instanceof Float32Array ? out.data : Float32Array.from(out.toNumbers());
      for (let c = 0; c < channels; c++) {
        for (let y = 0; y < hh; y++) {
          for (let x = 0; x < ww; x++) {
            sum[(c * H + y0 + y) * W + x0 + x] += od[(c * th + y) * tw + x] as number;
          }
        }
      }
      for (let y = 0; y < hh; y++) for (let x = 0; x < ww; x++) hits[(y0 + y) * W + x0 + x]++;
    }
  }
  const data = new Float32Array(channels * H * W);
  const plane = H * W;
  for (let i = 0; i < data.length; i++) data[i] = (sum?.[i] as number) / (hits[i % plane] as number);
  return { channels, data };
}
