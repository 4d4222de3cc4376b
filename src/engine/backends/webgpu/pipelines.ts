/// <reference types="@webgpu/types" />
import { AtrousError } from '../../../errors.js';
import { hashText, loadWgsl } from './shaders.js';

/** A WGSL kernel failed to compile or link: names the node, the kernel and the compiler's words. */
export class WgslCompileError extends AtrousError {
  constructor(nodeName: string, op: string, stem: string, message: string) {
    super('INTERNAL', `node '${nodeName}' (${op}): kernels/${stem}.wgsl failed to compile: ${message}`);
  }
}

/**
 * Compute pipelines, created once at prepare with createComputePipelineAsync inside an error
 * scope. Cache key: stem | hash of the WGSL text | sorted override constants.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  /** One module per stem, and its compilation info asked for once (Chromium 156 never answers a second ask). */
  private readonly modules = new Map<
    string,
    { module: GPUShaderModule; info: Promise<GPUCompilationInfo> }
  >();
  /** Compiles run one after another: error scopes are a stack and must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The exact shader text used per stem (for --dump-wgsl). */
  readonly used = new Map<string, string>();
  /** Every pipeline request: which node used which shader file (`<stem>-<hash>.wgsl`) with which overrides. */
  readonly uses: { node: string; op: string; file: string; overrides: Record<string, number> }[] = [];
  /** The exact shader text per file name `<stem>-<hash>.wgsl`. */
  readonly files = new Map<string, string>();

  constructor(private readonly device: GPUDevice) {}

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
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.queue.then(() => this.compile(stem, text, constants, label));
      this.queue = pipeline.catch(() => undefined);
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  private async compile(
    stem: string,
    text: string,
    constants: Record<string, number>,
    label: { node: string; op: string },
  ): Promise<GPUComputePipeline> {
    const device = this.device;
    device.pushErrorScope('validation');
    let compiled = this.modules.get(stem);
    if (!compiled) {
      const created = device.createShaderModule({ code: text, label: `${stem}.wgsl (${label.node})` });
      compiled = { module: created, info: created.getCompilationInfo() };
      this.modules.set(stem, compiled);
    }
    const module = compiled.module;
    const info = await compiled.info;
    const errors = info.messages.filter((m) => m.type === 'error');
    let pipeline: GPUComputePipeline | undefined;
    let failure: string | undefined;
    if (errors.length > 0) {
      failure = errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
    } else {
      try {
        pipeline = await device.createComputePipelineAsync({
          label: `${label.node} (${stem})`,
          layout: 'auto',
          compute: { module, entryPoint: 'main', constants },
        });
      } catch (e) {
        failure = (e as Error).message;
      }
    }
    const scoped = await device.popErrorScope();
    if (!failure && scoped) failure = scoped.message;
    if (failure || !pipeline) {
      this.modules.delete(stem);
      throw new WgslCompileError(label.node, label.op, stem, failure ?? 'no pipeline');
    }
    return pipeline;
  }
}
