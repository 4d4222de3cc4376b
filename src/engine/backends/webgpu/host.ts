/// <reference types="@webgpu/types" />
import { type DType, Tensor } from '../../tensor.js';
import type { GpuContext } from './device.js';
import type { HostStep } from './types.js';

/** A host step bound to its buffers: inputs are read back through `staging`. */
export interface HostRun {
  kind: 'host';
  inputs: { buffer: GPUBuffer; bytes: number; staging: GPUBuffer; dtype: DType; dims: number[] }[];
  output: { buffer: GPUBuffer; bytes: number };
  run: HostStep['run'];
}

/**
 * The first bytes of a mapped-readable buffer as a new tensor, unmapped afterwards. One copy, out of
 * the mapped range straight into the tensor: outputs are megabytes (a resized 21-class map is 5.5 MB)
 * and a copy more was a tenth of a warm run on a GPU.
 */
export async function readTensor(staging: GPUBuffer, dtype: DType, dims: readonly number[]): Promise<Tensor> {
  const t = new Tensor(dtype, dims);
  const bytes = t.data.byteLength;
  await staging.mapAsync(0x01);
  const mapped = staging.getMappedRange(0, Math.ceil(bytes / 4) * 4);
  new Uint8Array(t.data.buffer, t.data.byteOffset, bytes).set(new Uint8Array(mapped, 0, bytes));
  staging.unmap();
  return t;
}

/**
 * Submits what `enc` holds (plus the copies of the step's inputs to their staging buffers), runs
 * the host function on the read-back inputs, writes its result into the output buffer and returns
 * a fresh encoder for the remaining steps. The caller has ended any open compute pass.
 */
export async function runHost(
  gpu: GpuContext,
  h: HostRun,
  enc: GPUCommandEncoder,
): Promise<GPUCommandEncoder> {
  const { device } = gpu;
  for (const i of h.inputs) enc.copyBufferToBuffer(i.buffer, 0, i.staging, 0, i.bytes);
  device.queue.submit([enc.finish()]);
  const inputs = await Promise.all(h.inputs.map((i) => readTensor(i.staging, i.dtype, i.dims)));
  const out = await h.run(inputs, gpu);
  if (gpu.lost) throw gpu.lost;
  const d = out.data;
  const bytes = Math.min(d.byteLength, h.output.bytes);
  device.queue.writeBuffer(h.output.buffer, 0, d.buffer, d.byteOffset, bytes);
  return device.createCommandEncoder({ label: 'atrous run (after host step)' });
}
