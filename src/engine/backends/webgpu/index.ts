/// <reference types="@webgpu/types" />
import { AtrousError } from '../../../errors.js';
import type { Graph } from '../../../graph/ir.js';
import { planMemory } from '../../../graph/plan.js';
import type { Backend, PreparedModel } from '../../backend.js';
import type { ValueInfo } from '../../ops/types.js';
import type { PrepareOptions, RunProfile } from '../../profile.js';
import { BYTES_PER_ELEMENT, type DType, type Tensor } from '../../tensor.js';
import { scanConvFeatures } from './conv-features.js';
import { acquireDevice, type DeviceNeeds, type GpuContext } from './device.js';
import { fuseConvs } from './fuse-conv.js';
import { fuseResizeHeads } from './fuse-resize.js';
import { type HostRun, readTensor, runHost } from './host.js';
import { FEW_PIXELS } from './kernels/conv_gemm.js';
import { WEBGPU_KERNELS } from './kernels/index.js';
import { PipelineCache } from './pipelines.js';
import { precompileConvKernels } from './precompile.js';
import { type Encoded, GpuProfiler, type ProgramStep } from './profile.js';
import { loadWgsl, preloadWgsl } from './shaders.js';
import {
  type Binding,
  type DispatchStep,
  type LowerContext,
  type Lowering,
  type Step,
  WebGpuUnsupportedError,
  WG,
} from './types.js';
import { Upgrades } from './upgrades.js';

export { DeviceLostError } from './device.js';
export { convFusionStats, disabledConvFusions } from './fuse-conv.js';
export { WgslCompileError } from './pipelines.js';
export { WebGpuUnsupportedError } from './types.js';

// The kernels' text (a chunk of its own) loads while the first session imports its model.
preloadWgsl().catch(() => undefined);

/**
 * Optional device features the lowerings must not use even where the adapter has them: lets tests
 * and benches run the fallback kernels (e.g. conv_gemm_nosg.wgsl) on any adapter.
 */
export const ignoredFeatures = new Set<string>();

/**
 * Forces the software/GPU tuning of the lowerings (else the adapter decides): lets tests run the
 * GPU tilings (one output per invocation) on SwiftShader, and benches compare both. `fewPixels`
 * moves the software tuning's conv_gemm → conv_pixel threshold (0: conv_gemm for every conv).
 * `tiered: false` turns off the tiered start-up (DispatchStep.upgrade; on by default where the
 * software tuning applies, off in profiled sessions, which time the kernels they keep).
 */
export const tuning: { software?: boolean; fewPixels?: number; tiered?: boolean } = {};

/** Where one value lives on the GPU. */
interface Location {
  buffer: GPUBuffer;
  bytes: number;
}

const USAGE_STORAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST

/** Bytes of a value, rounded up to 4 (storage bindings are arrays of 32-bit words). */
function byteSize(info: ValueInfo): number {
  const n = (info.shape as number[]).reduce((a, d) => a * d, 1);
  return Math.ceil((n * BYTES_PER_ELEMENT[info.dtype]) / 4) * 4;
}

function concreteInfo(name: string, infos: ReadonlyMap<string, ValueInfo>): ValueInfo {
  const info = infos.get(name);
  if (!info) throw new AtrousError('INTERNAL', `value '${name}' has no inferred shape`);
  if (!info.shape.every((d) => typeof d === 'number')) {
    throw new AtrousError(
      'INPUT',
      `value '${name}' has symbolic shape [${info.shape.join(', ')}]; the webgpu backend needs concrete input shapes`,
    );
  }
  return info;
}

/** A typed error naming every op without a WGSL kernel (before any device is asked for). */
function requireKernels(order: Graph['nodes'], infos: ReadonlyMap<string, ValueInfo>): void {
  const missing = order.filter(
    (n) => !WEBGPU_KERNELS[n.op] && !n.outputs.every((o) => !o || infos.get(o)?.value),
  );
  if (missing.length > 0) {
    const ops = [...new Set(missing.map((n) => n.op))].join(', ');
    throw new WebGpuUnsupportedError(
      missing[0] as Graph['nodes'][number],
      `no WGSL kernel for ${ops} (${missing.length} node(s))`,
      Object.keys(WEBGPU_KERNELS),
    );
  }
}

/** The graph's node → steps (nodes folded to constants by shape inference get none). */
function lowerGraph(
  order: Graph['nodes'],
  ctx: LowerContext,
  infos: ReadonlyMap<string, ValueInfo>,
  fused: ReadonlyMap<Graph['nodes'][number], Lowering>,
) {
  return order.map((node) => {
    // Nodes whose outputs are all known constants were folded by shape inference: nothing to run.
    if (node.outputs.every((o) => !o || infos.get(o)?.value)) return { node, steps: [] as Step[] };
    const lower = fused.get(node) ?? WEBGPU_KERNELS[node.op];
    return { node, steps: lower ? lower(node, ctx) : [] };
  });
}

export const webgpuBackend: Backend = {
  name: 'webgpu',
  async prepare(
    graph: Graph,
    infos: ReadonlyMap<string, ValueInfo>,
    options: PrepareOptions = {},
  ): Promise<PreparedModel> {
    const tiered = (tuning.tiered ?? true) && !options.profile;
    const convFeatures = scanConvFeatures(graph);
    precompileConvKernels(graph, {
      software: tuning.software,
      tiered,
      ignored: ignoredFeatures,
      convFeatures,
    });
    // Conv fusions (residual add, Concat slices, shared-weight rates) rewrite the graph first.
    const constant = (name: string) => infos.get(name)?.value ?? graph.initializers.get(name);
    const convs = fuseConvs(graph, infos, constant);
    graph = convs.graph;
    if (convs.infos.size > 0) infos = new Map([...infos, ...convs.infos]);
    // Resize + channel Softmax/ArgMax → one node, before planning (fuse-resize.ts).
    const plan = planMemory(fuseResizeHeads(graph, infos), infos, { alignment: 16 });
    requireKernels(plan.order, infos);
    const biggest = Math.max(
      16,
      ...plan.slotBytes,
      ...graph.inputs.map((t) => byteSize(concreteInfo(t.name, infos))),
    );
    const needs: DeviceNeeds = {
      maxStorageBufferBindingSize: biggest,
      maxBufferSize: biggest,
      maxComputeWorkgroupStorageSize: 0,
    };
    const wanted: GPUFeatureName[] = [
      'subgroups',
      ...(options.profile === true ? ['timestamp-query' as const] : []),
    ];
    const gpu = await acquireDevice(needs, wanted);
    try {
      // Lowered once the device is known: kernels that use optional features have fallbacks.
      const ctx: LowerContext = {
        dims: (name) => concreteInfo(name, infos).shape as number[],
        dtype: (name) => concreteInfo(name, infos).dtype,
        constant,
        features: new Set([...gpu.device.features].filter((f) => !ignoredFeatures.has(f))),
        software: tuning.software ?? gpu.software,
        fewPixels: tuning.fewPixels ?? FEW_PIXELS,
        tiered,
        convFeatures,
      };
      const lowered = lowerGraph(plan.order, ctx, infos, convs.lowerings);
      return await build(gpu, graph, infos, plan.slotOf, plan.slotBytes, lowered, options.profile);
    } catch (e) {
      gpu.destroy();
      throw e;
    }
  },
};

/**
 * The first use of a buffer costs on a software adapter (Chromium/SwiftShader: ~80 ms for the
 * 5.5 MB output of an 8× upscale and its staging buffer, the pages' first touch and Dawn's lazy
 * zeroing, against ~3 ms later): clears the GPU-side buffers, copies into each output's staging
 * buffer and maps it once, all queued while the pipelines compile, so the first run finds them
 * ready. Settles when done (never rejects: a failure shows up in the setup error scope or the run).
 */
function firstTouch(
  device: GPUDevice,
  buffers: GPUBuffer[],
  outputs: { staging: GPUBuffer; loc: Location }[],
): Promise<unknown> {
  const enc = device.createCommandEncoder({ label: 'atrous first touch' });
  for (const b of buffers) enc.clearBuffer(b);
  for (const o of outputs) enc.copyBufferToBuffer(o.loc.buffer, 0, o.staging, 0, o.loc.bytes);
  device.queue.submit([enc.finish()]);
  return Promise.all(
    outputs.map((o) =>
      o.staging.mapAsync(0x01).then(
        () => o.staging.unmap(),
        () => undefined,
      ),
    ),
  );
}

/** `assemble` inside a validation error scope, with every kernel's WGSL text loaded first (see PipelineCache). */
async function build(...args: Parameters<typeof assemble>): Promise<PreparedModel> {
  const [gpu, , , , , lowered] = args;
  const stems = lowered.flatMap(({ steps }) =>
    steps.flatMap((s) => (s.kind === 'dispatch' ? [s.stem, ...(s.upgrade ? [s.upgrade.stem] : [])] : [])),
  );
  await Promise.all([...new Set(stems)].map(loadWgsl));
  gpu.device.pushErrorScope('validation');
  let model: PreparedModel;
  try {
    model = await assemble(...args);
  } catch (e) {
    await gpu.device.popErrorScope().catch(() => undefined);
    throw e;
  }
  const setupError = await gpu.device.popErrorScope();
  if (setupError) {
    model.release();
    throw new AtrousError('INTERNAL', `webgpu setup failed: ${setupError.message}`);
  }
  return model;
}

async function assemble(
  gpu: GpuContext,
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  slotOf: Map<string, number>,
  slotBytes: number[],
  lowered: { node: Graph['nodes'][number]; steps: Step[] }[],
  profile: PrepareOptions['profile'],
): Promise<PreparedModel> {
  const device = gpu.device;
  const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
  // Pipelines first: their compile (most of a cold start; on Chromium and Dawn a worker thread's)
  // then runs while the buffers below are created, uploaded and first touched.
  const cache = new PipelineCache(device);
  const overridesOf = (step: DispatchStep) => ({ WG, ...step.overrides });
  // The step each dispatch starts on: its upgrade at once where this device has compiled that
  // already (an earlier session's), else the step itself.
  const first = new Map<DispatchStep, DispatchStep>();
  const dispatches = lowered.flatMap(({ node, steps }) =>
    steps
      .filter((s): s is DispatchStep => s.kind === 'dispatch')
      .map((step) => {
        const up = step.upgrade;
        const start = up && cache.isCompiled(up.stem, overridesOf(up)) ? up : step;
        first.set(step, start);
        return { node, step: start };
      }),
  );
  const pipelines = new Map(
    dispatches.map(({ node, step }) => [
      step,
      cache.get(step.stem, overridesOf(step), { node: node.name, op: node.op }),
    ]),
  );
  const buffers: GPUBuffer[] = [];
  const makeBuffer = (label: string, size: number, usage: number) => {
    const b = device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
    buffers.push(b);
    return b;
  };
  // Slot buffers are labelled with the values they hold over the run (the first few).
  const holders = slotBytes.map(() => [] as string[]);
  for (const [name, slot] of slotOf) holders[slot]?.push(name);
  const slots = slotBytes.map((bytes, i) => {
    const names = holders[i] ?? [];
    const more = names.length > 3 ? `, +${names.length - 3}` : '';
    return makeBuffer(`slot ${i}: ${names.slice(0, 3).join(', ')}${more}`, bytes, USAGE_STORAGE);
  });
  const locations = new Map<string, Location>();
  const upload = (label: string, data: ArrayBufferView): GPUBuffer => {
    const b = makeBuffer(label, data.byteLength, USAGE_STORAGE);
    device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  };
  const runtimeInputs = graph.inputs.filter((t) => !graph.initializers.has(t.name));
  const inputBuffers = runtimeInputs.map((t) => {
    const bytes = byteSize(concreteInfo(t.name, infos));
    const buffer = makeBuffer(`input ${t.name}`, bytes, USAGE_STORAGE);
    locations.set(t.name, { buffer, bytes });
    return buffer;
  });
  for (const [name, slot] of slotOf) {
    // Values folded to constants by shape inference are uploaded (by `locate`), never computed.
    if (infos.get(name)?.value) continue;
    locations.set(name, { buffer: slots[slot] as GPUBuffer, bytes: byteSize(concreteInfo(name, infos)) });
  }
  const locate = (name: string, who: string): Location => {
    let loc = locations.get(name);
    if (!loc) {
      const value = infos.get(name)?.value ?? graph.initializers.get(name);
      if (!value) throw new AtrousError('INTERNAL', `value '${name}' (read by ${who}) has no GPU buffer`);
      const data = value.data as ArrayBufferView;
      loc = { buffer: upload(name, data), bytes: Math.ceil(data.byteLength / 4) * 4 };
      locations.set(name, loc);
    }
    return loc;
  };

  const encoded: Promise<Encoded | HostRun>[] = [];
  /** Steps that run a quicker-to-compile kernel first: program index, final step, first step's buffers. */
  const upgrades: {
    at: number;
    step: DispatchStep;
    label: string;
    node: Graph['nodes'][number];
    owned: GPUBuffer[];
  }[] = [];
  const owners: { node: number; dispatch: boolean }[] = [];
  lowered.forEach(({ node, steps }, index) => {
    steps.forEach((step, k) => {
      owners.push({ node: index, dispatch: step.kind === 'dispatch' });
      const label = steps.length > 1 ? `${node.name}#${k}` : node.name;
      if (step.kind === 'host') {
        const inputs = step.inputs.map((i) => {
          const loc = locate(i.name, node.name);
          const staging = makeBuffer(`${label} read ${i.name}`, loc.bytes, 0x01 | 0x08); // MAP_READ | COPY_DST
          return { ...loc, staging, dtype: i.dtype, dims: i.dims };
        });
        const output = locate(step.output, node.name);
        encoded.push(Promise.resolve({ kind: 'host', inputs, output, run: step.run }));
        return;
      }
      if (step.kind === 'copy') {
        const src = locate(step.src, node.name).buffer;
        const dst = locate(step.dst, node.name).buffer;
        const bytes = Math.ceil(step.bytes / 4) * 4;
        encoded.push(
          Promise.resolve((enc, _pass, end) => {
            end();
            if (bytes > 0) enc.copyBufferToBuffer(src, 0, dst, 0, bytes);
          }),
        );
        return;
      }
      const start = first.get(step) as DispatchStep;
      const owned: GPUBuffer[] = [];
      if (start.upgrade) upgrades.push({ at: encoded.length, step: start.upgrade, label, node, owned });
      encoded.push(prepareDispatch(start, label, node.name, owned));
    });
  });

  /** Uniforms and constant bindings now (their buffers into `owned`); the bind group once the pipeline is compiled. */
  async function prepareDispatch(
    step: DispatchStep,
    label: string,
    node: string,
    owned: GPUBuffer[],
  ): Promise<Encoded> {
    const bind = bindDispatch(step, label, node, owned);
    return bind(await (pipelines.get(step) as Promise<GPUComputePipeline>));
  }

  function bindDispatch(
    step: DispatchStep,
    label: string,
    node: string,
    owned: GPUBuffer[],
  ): (pipeline: GPUComputePipeline) => Encoded {
    const own = (b: GPUBuffer) => {
      owned.push(b);
      return b;
    };
    const uniform = own(makeBuffer(`${label} uniforms`, step.uniforms.byteLength, 0x40 | 0x08));
    device.queue.writeBuffer(uniform, 0, step.uniforms);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    step.bindings.forEach((b: Binding, i) => {
      if (b.kind === 'value') {
        const loc = locate(b.name, node);
        // At least one vec4: kernels that read vec4 arrays have that minimum binding size, and an
        // empty (or tiny) value still binds its buffer (every buffer is at least 16 bytes).
        entries.push({ binding: i + 1, resource: { buffer: loc.buffer, size: Math.max(16, loc.bytes) } });
      } else {
        entries.push({ binding: i + 1, resource: { buffer: own(upload(`${label} ${b.label}`, b.data)) } });
      }
    });
    return (pipeline) => encodeDispatch(step, pipeline, label, entries);
  }

  function encodeDispatch(
    step: DispatchStep,
    pipeline: GPUComputePipeline,
    label: string,
    entries: GPUBindGroupEntry[],
  ): Encoded {
    // A lowering's arithmetic gone wrong (0/0 on an empty tensor) must not reach dispatchWorkgroups.
    if (!Number.isSafeInteger(step.invocations) || step.invocations < 0) {
      throw new AtrousError(
        'INTERNAL',
        `${label}: ${step.stem} was lowered to ${step.invocations} invocations`,
      );
    }
    const group = device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
    const empty = step.invocations === 0;
    const groups = Math.ceil(step.invocations / WG);
    const y = Math.ceil(groups / maxDim);
    const x = Math.ceil(groups / y);
    // Captures no step: its host-side data (packed weights) is on the GPU now, and may be freed.
    return (_enc, pass) => {
      if (empty) return;
      const p = pass();
      p.setPipeline(pipeline);
      p.setBindGroup(0, group);
      p.dispatchWorkgroups(x, y);
    };
  }

  const outputs = new Map<string, { staging: GPUBuffer; loc: Location; dtype: DType; dims: number[] }>();
  for (const o of graph.outputs) {
    const info = concreteInfo(o.name, infos);
    if (info.value) continue;
    const loc = locate(o.name, 'graph output');
    const staging = makeBuffer(`output ${o.name}`, loc.bytes, 0x01 | 0x08); // MAP_READ | COPY_DST
    outputs.set(o.name, { staging, loc, dtype: info.dtype, dims: info.shape as number[] });
  }
  const touched = firstTouch(device, [...slots, ...inputBuffers], [...outputs.values()]);
  let program: (Encoded | HostRun)[];
  try {
    program = await Promise.all(encoded);
  } finally {
    await touched;
  }
  const profiler = profile
    ? new GpuProfiler(
        gpu,
        program.map((item, i): ProgramStep => {
          const { node, dispatch } = owners[i] as { node: number; dispatch: boolean };
          return typeof item === 'function' ? { encode: item, node, dispatch } : { host: item, node };
        }),
        lowered.map(({ node }) => ({ name: node.name, op: node.op })),
        profile === 'submit',
      )
    : undefined;
  let last: RunProfile | undefined;

  const tiers = new Upgrades(
    device,
    upgrades.map((u) => ({
      at: u.at,
      owned: u.owned,
      compile: () => cache.get(u.step.stem, overridesOf(u.step), { node: u.node.name, op: u.node.op }),
      bind: (pipeline, owned) => bindDispatch(u.step, u.label, u.node.name, owned)(pipeline),
    })),
  );
  // The session's closures keep this scope alive: drop what holds the lowered steps and their
  // host-side data (packed weights, a copy of what the GPU buffers hold; twice with upgrades),
  // which is only needed until uploaded. An upgrade keeps its own step until it is bound.
  lowered.length = 0;
  upgrades.length = 0;
  dispatches.length = 0;
  first.clear();
  pipelines.clear();
  encoded.length = 0;

  /** One run: the feeds written, the program recorded and submitted, the outputs read back. */
  async function runOnce(feeds: ReadonlyMap<string, Tensor>, wanted: readonly string[]) {
    if (gpu.lost) throw gpu.lost;
    tiers.apply(program);
    for (const [name, t] of feeds) {
      const loc = locations.get(name);
      if (!loc) continue;
      // Dawn rejects writes from a SharedArrayBuffer: those feeds go through a copy.
      const data = t.data.buffer instanceof ArrayBuffer ? t.data : t.data.slice();
      device.queue.writeBuffer(loc.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    }
    if (profiler) last = await profiler.run();
    let enc = device.createCommandEncoder({ label: 'atrous run' });
    let pass: GPUComputePassEncoder | undefined;
    const getPass = () => {
      pass ??= enc.beginComputePass({ label: 'atrous' });
      return pass;
    };
    const end = () => {
      pass?.end();
      pass = undefined;
    };
    if (!profiler) {
      for (const step of program) {
        if (typeof step === 'function') {
          step(enc, getPass, end);
          continue;
        }
        // Host step: the recorded work is submitted, later steps go into a new encoder.
        end();
        enc = await runHost(gpu, step, enc);
      }
    }
    end();
    for (const name of wanted) {
      const out = outputs.get(name);
      if (out) enc.copyBufferToBuffer(out.loc.buffer, 0, out.staging, 0, out.loc.bytes);
    }
    device.queue.submit([enc.finish()]);
    const result = new Map<string, Tensor>();
    for (const name of wanted) {
      const out = outputs.get(name);
      if (!out) {
        const value = infos.get(name)?.value;
        if (value) result.set(name, value);
        continue;
      }
      result.set(name, await readTensor(out.staging, out.dtype, out.dims));
    }
    if (gpu.lost) throw gpu.lost;
    // The first run is done: the upgrades compile now, in the background.
    tiers.start();
    return result;
  }

  // Runs share the session's buffers: one asked for while another is in flight waits its turn
  // (as on the CPU backends), so overlapping calls (a video loop that does not await) stay right.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    upgraded: () => tiers.start(),
    lastProfile: () => last,
    shaders: () => ({ files: new Map(cache.files), uses: cache.uses.map((u) => ({ ...u })) }),
    run(feeds, wanted) {
      const turn = queue.then(() => runOnce(feeds, wanted));
      queue = turn.catch(() => undefined);
      return turn;
    },
    release() {
      tiers.release();
      profiler?.destroy();
      for (const b of buffers) b.destroy();
      gpu.destroy();
    },
  };
}
