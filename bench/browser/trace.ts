/// <reference types="@webgpu/types" />
/**
 * Where a cold run's time goes: wraps the WebGPU calls both engines make (shader modules, pipelines,
 * buffers, writes, submits, maps) and records, per call, when it was made, how long the call itself
 * took and when its promise settled (ms from the trace's start). Used by `run.ts --trace`.
 */

export interface TraceEvent {
  what: string;
  label?: string;
  bytes?: number;
  /** createShaderModule: the WGSL text. */
  code?: string;
  /** Call start and return, and (for calls that return a promise) when it settled. */
  at: number;
  sync: number;
  done?: number;
}

type Proto = Record<string, unknown>;

/** Installs the wrappers; returns the event list and a function that removes them. */
export function startTrace(): { events: TraceEvent[]; mark(what: string): void; stop(): void } {
  const events: TraceEvent[] = [];
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const undo: (() => void)[] = [];
  const wrap = (proto: Proto, name: string, describe: (args: unknown[]) => Partial<TraceEvent>) => {
    const orig = proto[name] as (...a: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const ev: TraceEvent = { what: name, at: now(), sync: 0, ...describe(args) };
      events.push(ev);
      const r = orig.apply(this, args);
      ev.sync = now() - ev.at;
      if (r instanceof Promise)
        r.then(
          () => {
            ev.done = now();
          },
          () => {
            ev.done = now();
          },
        );
      return r;
    };
    undo.push(() => {
      proto[name] = orig;
    });
  };
  const g = globalThis as unknown as Record<string, { prototype: Proto }>;
  const dev = g.GPUDevice?.prototype as Proto;
  const queue = g.GPUQueue?.prototype as Proto;
  const buf = g.GPUBuffer?.prototype as Proto;
  const mod = g.GPUShaderModule?.prototype as Proto;
  const labelOf = (a: unknown[]) => ({ label: (a[0] as { label?: string })?.label });
  wrap(dev, 'createShaderModule', (a) => ({
    label: `${(a[0] as { label?: string }).label} (${(a[0] as { code: string }).code.length} chars)`,
    code: (a[0] as { code: string }).code,
  }));
  wrap(dev, 'createComputePipelineAsync', labelOf);
  wrap(dev, 'createComputePipeline', labelOf);
  wrap(dev, 'createBindGroup', labelOf);
  wrap(dev, 'createBuffer', (a) => ({ ...labelOf(a), bytes: (a[0] as { size: number }).size }));
  wrap(queue, 'writeBuffer', (a) => {
    const d = a[2] as ArrayBufferView | ArrayBuffer;
    return { label: (a[0] as GPUBuffer).label, bytes: (a[4] as number | undefined) ?? d.byteLength };
  });
  wrap(queue, 'submit', () => ({}));
  wrap(queue, 'onSubmittedWorkDone', () => ({}));
  wrap(buf, 'mapAsync', function (this: unknown) {
    return {};
  });
  wrap(buf, 'getMappedRange', () => ({}));
  wrap(buf, 'unmap', () => ({}));
  wrap(mod, 'getCompilationInfo', () => ({}));
  return {
    events,
    mark: (what) => events.push({ what: `— ${what}`, at: now(), sync: 0 }),
    stop: () => {
      for (const u of undo) u();
    },
  };
}

/** One line per event: start, sync ms, settle time, what, label, bytes. */
export function formatTrace(events: TraceEvent[]): string {
  return events
    .map((e) => {
      const done = e.done !== undefined ? `→${e.done.toFixed(1).padStart(7)}` : ''.padStart(9);
      const bytes = e.bytes !== undefined ? ` ${e.bytes} B` : '';
      return `${e.at.toFixed(1).padStart(7)} +${e.sync.toFixed(1).padStart(5)} ${done}  ${e.what} ${e.label ?? ''}${bytes}`;
    })
    .join('\n');
}

/**
 * Probes of Chromium/SwiftShader's first-use costs on raw WebGPU (`run.ts --probe`): a big buffer's
 * first copy and map against its later ones, the ways to copy a mapped range out, and whether an
 * async pipeline compile holds up other GPU work.
 */
export async function probeGpu(device: GPUDevice, shader: string): Promise<string> {
  const lines: string[] = [];
  const t = () => performance.now();
  const bytes = 5505024;
  const STORAGE = 0x80 | 0x04 | 0x08;
  for (const variant of ['plain', 'cleared early', 'mapped at creation']) {
    const src = device.createBuffer({ size: bytes, usage: STORAGE });
    const dst = device.createBuffer({
      size: bytes,
      usage: 0x01 | 0x08,
      mappedAtCreation: variant === 'mapped at creation',
    });
    if (variant === 'mapped at creation') dst.unmap();
    if (variant === 'cleared early') {
      const e = device.createCommandEncoder();
      e.clearBuffer(src);
      e.copyBufferToBuffer(src, 0, dst, 0, bytes);
      device.queue.submit([e.finish()]);
      const a = t();
      await device.queue.onSubmittedWorkDone();
      lines.push(`  early clear+copy, done after ${(t() - a).toFixed(1)} ms`);
    }
    for (let rep = 0; rep < 3; rep++) {
      const e = device.createCommandEncoder();
      e.clearBuffer(src, 0, 16);
      e.copyBufferToBuffer(src, 0, dst, 0, bytes);
      const a = t();
      device.queue.submit([e.finish()]);
      await dst.mapAsync(1);
      const b = t();
      const mapped = dst.getMappedRange();
      const c = t();
      const out = new Float32Array(bytes / 4);
      new Uint8Array(out.buffer).set(new Uint8Array(mapped));
      const d = t();
      const out2 = new Float32Array(mapped.slice(0));
      const e2 = t();
      dst.unmap();
      const f = t();
      lines.push(
        `  ${variant} rep ${rep}: submit→mapped ${(b - a).toFixed(1)}, getMappedRange ${(c - b).toFixed(1)}, alloc+set ${(d - c).toFixed(1)}, slice ${(e2 - d).toFixed(1)}, unmap ${(f - e2).toFixed(1)} ms (${out[0]}${out2[0]})`,
      );
    }
    src.destroy();
    dst.destroy();
  }
  // Does an async compile hold up the queue? Submit a small job right after asking for a pipeline.
  const module = device.createShaderModule({ code: shader });
  await module.getCompilationInfo();
  const a = t();
  const pipe = device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const small = device.createBuffer({ size: 1 << 20, usage: STORAGE });
  const e = device.createCommandEncoder();
  e.clearBuffer(small);
  device.queue.submit([e.finish()]);
  const work = device.queue.onSubmittedWorkDone().then(() => t() - a);
  const p = pipe.then(() => t() - a);
  lines.push(
    `  compile: queue work done after ${(await work).toFixed(1)} ms, pipeline after ${(await p).toFixed(1)} ms`,
  );
  small.destroy();
  return lines.join('\n');
}

/**
 * Module + pipeline time of each shader on `device`, one after another (`run.ts --probe`); each
 * text is made unique so no cache answers. The first is a trivial kernel: the per-pipeline floor.
 */
export async function probeCompile(
  device: GPUDevice,
  shaders: { label: string; code: string; constants?: Record<string, number> }[],
  reps: number,
): Promise<string> {
  const trivial =
    '@group(0) @binding(0) var<storage, read_write> y: array<f32>;\n@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { y[g.x] = 1.0; }\n';
  const lines: string[] = [];
  let nonce = 0;
  for (const s of [{ label: 'trivial (one store)', code: trivial }, ...shaders]) {
    const ms: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      const module = device.createShaderModule({
        code: `${s.code}\nconst PROBE_NONCE_${nonce++}: u32 = 0u;\n`,
      });
      await device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants: s.constants ?? {} },
      });
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    lines.push(
      `  ${s.label}: min ${ms[0]?.toFixed(0)} median ${ms[Math.floor(ms.length / 2)]?.toFixed(0)} ms`,
    );
  }
  return lines.join('\n');
}
