/// <reference types="@webgpu/types" />
import { AtrousError } from '../../../errors.js';
import { hashText, loadedWgsl, loadWgsl } from './shaders.js';
import { specialization, specializeWgsl } from './specialize.js';

/** A WGSL kernel failed to compile or link: names the node, the kernel and the compiler's words. */
export class WgslCompileError extends AtrousError {
  constructor(nodeName: string, op: string, stem: string, message: string) {
    super('INTERNAL', `node '${nodeName}' (${op}): kernels/${stem}.wgsl failed to compile: ${message}`);
  }
}

/** A shader module and what its creation reported (asked for once: Chromium 156 never answers a second ask). */
interface Module {
  module: GPUShaderModule;
  info: Promise<GPUCompilationInfo>;
  scoped: Promise<GPUError | null>;
}

/** What a device has compiled: shared by every session and CRF on that device. */
interface DeviceShaders {
  pipelines: Map<string, Promise<GPUComputePipeline>>;
  /** Keys of the pipelines compiled (their promise resolved). */
  compiled: Set<string>;
  modules: Map<string, Module>;
}

const compiledOn = new WeakMap<GPUDevice, DeviceShaders>();

/**
 * Compute pipelines, created once at prepare with createComputePipelineAsync. Cache key:
 * stem | hash of the WGSL text | sorted override constants. Each compiles the kernel's text
 * specialised to its constants (specialize.ts). The compiled pipelines belong to the
 * device, so a second session on a shared device (device.ts) compiles only what the first did
 * not; what a session used is recorded per cache (for --dump-wgsl).
 *
 * When the WGSL text is loaded, `get` creates the module and asks for the pipeline before it
 * returns, without waiting for the module's compilation info: the compile (on Chromium and Dawn
 * a worker thread's) then starts ahead of whatever the caller queues next (buffers, uploads).
 */
export class PipelineCache {
  private readonly shaders: DeviceShaders;
  /** Every pipeline request: which node used which shader file (`<stem>-<hash>.wgsl`) with which overrides. */
  readonly uses: { node: string; op: string; file: string; overrides: Record<string, number> }[] = [];
  /** The exact shader text (specialised: specialize.ts) per file name `<stem>-<hash>.wgsl`. */
  readonly files = new Map<string, string>();

  constructor(private readonly device: GPUDevice) {
    let shaders = compiledOn.get(device);
    if (!shaders) {
      shaders = { pipelines: new Map(), compiled: new Set(), modules: new Map() };
      compiledOn.set(device, shaders);
    }
    this.shaders = shaders;
  }

  get(
    stem: string,
    overrides: Record<string, number | boolean>,
    label: { node: string; op: string },
  ): Promise<GPUComputePipeline> {
    const source = loadedWgsl(stem);
    if (source === undefined) return loadWgsl(stem).then(() => this.get(stem, overrides, label));
    const { constants, key, sourceHash } = pipelineKey(stem, source, overrides);
    let spec: { text: string; hash: string };
    try {
      spec = specialised(key, source, sourceHash, constants);
    } catch (e) {
      // A malformed `// #if` directive (WgslDirectiveError): the kernel's fault, named with the node.
      return Promise.reject(new WgslCompileError(label.node, label.op, stem, (e as Error).message));
    }
    const { text, hash } = spec;
    this.files.set(`${stem}-${hash}.wgsl`, text);
    this.uses.push({ node: label.node, op: label.op, file: `${stem}-${hash}.wgsl`, overrides: constants });
    const shared = this.shaders;
    let pipeline = shared.pipelines.get(key);
    if (!pipeline) {
      const made = this.pipelineFor(stem, `${stem}|${hash}`, text, constants, label);
      // A failure is not cached: the next session asks again, and its error names its own node.
      made.then(
        () => shared.compiled.add(key),
        () => {
          if (shared.pipelines.get(key) === made) shared.pipelines.delete(key);
        },
      );
      shared.pipelines.set(key, made);
      pipeline = made;
    }
    return pipeline;
  }

  /** Whether this device has compiled `stem` with `overrides` already (its WGSL text loaded). */
  isCompiled(stem: string, overrides: Record<string, number | boolean>): boolean {
    const text = loadedWgsl(stem);
    return text !== undefined && this.shaders.compiled.has(pipelineKey(stem, text, overrides).key);
  }

  /** The shader module of `text`, created once per device (its error scope opens and closes here, so none interleave). */
  private moduleFor(
    stem: string,
    moduleKey: string,
    text: string,
    label: { node: string; op: string },
  ): Module {
    const modules = this.shaders.modules;
    let compiled = modules.get(moduleKey);
    if (!compiled) {
      this.device.pushErrorScope('validation');
      const module = this.device.createShaderModule({ code: text, label: `${stem}.wgsl (${label.node})` });
      const scoped = this.device.popErrorScope();
      compiled = { module, info: module.getCompilationInfo(), scoped };
      modules.set(moduleKey, compiled);
    }
    return compiled;
  }

  /**
   * Asks for the pipeline at once, then checks the module: its compiler messages (with line
   * numbers) make a better error than the pipeline's rejection (GPUPipelineError), which comes
   * too on a bad module, a bad override or layout.
   */
  private async pipelineFor(
    stem: string,
    moduleKey: string,
    text: string,
    constants: Record<string, number>,
    label: { node: string; op: string },
  ): Promise<GPUComputePipeline> {
    const compiled = this.moduleFor(stem, moduleKey, text, label);
    const pipeline = this.device.createComputePipelineAsync({
      label: `${label.node} (${stem})`,
      layout: 'auto',
      compute: { module: compiled.module, entryPoint: 'main', constants },
    });
    pipeline.catch(() => undefined);
    const info = await compiled.info.catch(() => undefined);
    const scoped = await compiled.scoped;
    const errors = info?.messages.filter((m) => m.type === 'error') ?? [];
    const failure = errors.length
      ? errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')
      : scoped?.message;
    if (failure) {
      if (this.shaders.modules.get(moduleKey) === compiled) this.shaders.modules.delete(moduleKey);
      throw new WgslCompileError(label.node, label.op, stem, failure);
    }
    try {
      return await pipeline;
    } catch (e) {
      throw new WgslCompileError(label.node, label.op, stem, (e as Error).message);
    }
  }
}

/** The last text hashed per stem: a model asks for each stem once per dispatch (and again per upgrade). */
const hashed = new Map<string, { text: string; hash: string }>();

/** The cache key of a pipeline: stem | hash of the WGSL source | sorted override constants. */
function pipelineKey(stem: string, source: string, overrides: Record<string, number | boolean>) {
  const constants: Record<string, number> = {};
  for (const k of Object.keys(overrides).sort()) constants[k] = Number(overrides[k]);
  let known = hashed.get(stem);
  if (known?.text !== source) {
    known = { text: source, hash: hashText(source) };
    hashed.set(stem, known);
  }
  // Kernels run as written (tests) are other pipelines than the specialised ones of the same constants.
  const written = specialization.enabled ? '' : '|as written';
  return {
    constants,
    sourceHash: known.hash,
    key: `${stem}|${known.hash}|${JSON.stringify(constants)}${written}`,
  };
}

/** The text a pipeline compiles (its source specialised to its constants) and its hash, per key. */
const specialisedByKey = new Map<string, { text: string; hash: string }>();

function specialised(
  key: string,
  source: string,
  sourceHash: string,
  constants: Record<string, number>,
): { text: string; hash: string } {
  if (!specialization.enabled) return { text: source, hash: sourceHash };
  let spec = specialisedByKey.get(key);
  if (!spec) {
    const text = specializeWgsl(source, constants);
    spec = { text, hash: text === source ? sourceHash : hashText(text) };
    specialisedByKey.set(key, spec);
  }
  return spec;
}
