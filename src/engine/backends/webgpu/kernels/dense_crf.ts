import { crfBatchInput } from '../../../../post/crf/batch-item.js';
import { crfKernelWriters, writeUnary } from '../../../../post/crf/inputs.js';
import { WebGpuCrf } from '../../../../post/crf/webgpu.js';
import { denseCrfInputKind, denseCrfParams } from '../../../ops/dense_crf.js';
import { type DType, Tensor } from '../../../tensor.js';
import type { GpuContext } from '../device.js';
import type { Lowering } from '../types.js';

/**
 * DenseCRF as a host step: the lattice depends on the run-time image, so there is no static
 * lowering. The executor reads scores and image back; per batch item the inputs are checked as the
 * ref kernel checks them (crfBatchInput: same errors), the lattice is built in WASM and the
 * iterations run in WGSL on the session's own device (WebGpuCrf), and Q is read back as planes
 * into its item of the (N, C, H, W) output.
 */
export const DenseCRF: Lowering = (node, ctx) => {
  const params = denseCrfParams(node);
  const kind = denseCrfInputKind(node);
  const [xName, imgName] = node.inputs as [string, string];
  const io = (name: string) => ({ name, dtype: ctx.dtype(name) as DType, dims: ctx.dims(name) });
  // One per session (prepare lowers once): its pipelines are compiled on the first run only.
  let crf: Promise<WebGpuCrf> | undefined;
  const run = async (inputs: Tensor[], gpu: GpuContext): Promise<Tensor> => {
    const [x, img] = inputs as [Tensor, Tensor];
    crf ??= WebGpuCrf.create(gpu);
    const solver = await crf;
    const [batch, c, h, w] = x.dims as [number, number, number, number];
    const n = h * w;
    const out = new Float32Array(batch * c * n);
    for (let b = 0; b < batch; b++) {
      const input = crfBatchInput(x, img, b, kind);
      // ψ straight to float32 (what the GPU reads), the features written by the WASM build, and
      // Q of item b as planes, read back straight into its place in the (N, C, H, W) output.
      const unary = new Float32Array(n * c);
      writeUnary(input, unary);
      const kernels = crfKernelWriters(input, params);
      const output = out.subarray(b * c * n, (b + 1) * c * n);
      await solver.meanField(unary, c, kernels, params.iterations, { layout: 'planes', output });
    }
    return new Tensor('float32', [...x.dims], out);
  };
  return [{ kind: 'host', inputs: [io(xName), io(imgName)], output: node.outputs[0] as string, run }];
};
