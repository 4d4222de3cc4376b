/// <reference types="@webgpu/types" />
import { AtrousError } from '../../../errors.js';
import { hashText, loadWgsl } from './shaders.js';

/** A WGSL kernel failed to compile or link: names the node, the kernel and the compiler's words. */
export class WgslCompileError extends AtrousError {
  constructor(nodeName: string, op: string, stem: string, message: string) {
    super('INTERNAL', `node '${nodeName}' (${op}): kernels/${stem}.wgsl failed to compile: ${message}`);
  }
}

/** What a device has compiled: shared by every session and CRF on that device. */
interface DeviceShaders {
  pipelines: Map<string, Promise<GPUComputePipeline>>;
  /** One module per shader text, and its compilation info asked for once (Chromium 156 never answers a second ask). */
  modules: Map<string, { module: GPUShaderModule; info: Promise<GPUCompilationInfo> }>;
  /** Compiles run one after another: error scopes are a stack and must not interleave. */
  queue: Promise<unknown>;
}

const compiledOn = new WeakMap<GPUDevice, DeviceShaders>();

/**
 * Compute pipelines, created once at prepare with createComputePipelineAsync inside an error
 * scope. Cache key: stem | hash of the WGSL text | sorted override constants. The compiled
 * pipelines belong to the device, so a second session on a shared device (device.ts) compiles
 * only what the first did not; what a session used is recorded per cache (for --dump-wgsl).
 */
export class PipelineCache {
  private readonly shaders: DeviceShaders;
  /** The exact shader text used per stem (for --dump-wgsl). */
  readonly used = new Map<string, string>();
  /** Every pipeline request: which node used which shader file (`<stem>-<hash>.wgsl`) with which overrides. */
  readonly uses: { node: string; op: string; file: string; overrides: Record<string, number> }[] = [];
  /** The exact shader text per file name `<stem>-<hash>.wgsl`. */
  readonly files = new Map<string, string>();

  constructor(private readonly device: GPUDevice) {
    let shaders = compiledOn.get(device);
    if (!shaders) {
      shaders = { pipelines: new Map(), modules: new Map(), queue: Promise.resolve() };
      compiledOn.set(device, shaders);
    }
    this.shaders = shaders;
  }

  async get(
    stem: string,
    overrides: Record<string, number | boolean>,
    label: { node: string; op: string },
  ): Promise<GPUComputePipeline> {
    const text = await loadWgsl(stem);
    this.used.set(stem, text);
    const constants: Record<string, number> = {};
    for (const k of Object.keys(overrides).sort()) constants[k] = Number(overrides[k]);
    const hash = hashText(text);
    const key = `${stem}|${hash}|${JSON.stringify(constants)}`;
    this.files.set(`${stem}-${hash}.wgsl`, text);
    this.uses.push({ node: label.node, op: label.op, file: `${stem}-${hash}.wgsl`, overrides: constants });
    const shared = this.shaders;
    let pipeline = shared.pipelines.get(key);
    if (!pipeline) {
      // Modules are made one at a time (their error scope must not interleave); the pipelines,
      // the backend compiles that dominate a cold start on a real GPU, are made concurrently.
      const module = shared.queue.then(() => this.moduleFor(stem, `${stem}|${hash}`, text, label));
      shared.queue = module.catch(() => undefined);
      const made = module.then((m) => this.pipelineFor(stem, m, constants, label));
      // A failure is not cached: the next session asks again, and its error names its own node.
      made.catch(() => {
        if (shared.pipelines.get(key) === made) shared.pipelines.delete(key);
      });
      shared.pipelines.set(key, made);
      pipeline = made;
    }
    return pipeline;
  }

  /** The shader module of `text`, compiled and checked once per device. */
  private async moduleFor(
    stem: string,
    moduleKey: string,
    text: string,
    label: { node: string; op: string },
  ): Promise<GPUShaderModule> {
    const device = this.device;
    const modules = this.shaders.modules;
    let compiled = modules.get(moduleKey);
    let scoped: GPUError | null = null;
    if (!compiled) {
      device.pushErrorScope('validation');
      const created = device.createShaderModule({ code: text, label: `${stem}.wgsl (${label.node})` });
      compiled = { module: created, info: created.getCompilationInfo() };
      modules.set(moduleKey, compiled);
      await compiled.info.catch(() => undefined);
      scoped = await device.popErrorScope();
    }
    const info = await compiled.info;
    const errors = info.messages.filter((m) => m.type === 'error');
    const failure = errors.length
      ? errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')
      : scoped?.message;
    if (failure) {
      modules.delete(moduleKey);
      throw new WgslCompileError(label.node, label.op, stem, failure);
    }
    return compiled.module;
  }

  /** createComputePipelineAsync rejects (GPUPipelineError) on a bad override or layout: no error scope needed. */
  private async pipelineFor(
    stem: string,
    module: GPUShaderModule,
    constants: Record<string, number>,
    label: { node: string; op: string },
  ): Promise<GPUComputePipeline> {
    try {
      return await this.device.createComputePipelineAsync({
        label: `${label.node} (${stem})`,
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants },
      });
    } catch (e) {
      throw new WgslCompileError(label.node, label.op, stem, (e as Error).message);
    }
  }
}
