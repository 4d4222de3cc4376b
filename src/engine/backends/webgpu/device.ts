/// <reference types="@webgpu/types" />
import { AtrousError, BackendUnavailableError } from '../../../errors.js';

/**
 * Device acquisition: `navigator.gpu` in browsers and Deno; in Node the optional `webgpu` npm
 * package (Dawn), which on machines without a GPU runs on SwiftShader (see README.md here).
 */

const HOW_TO =
  'see src/engine/backends/webgpu/README.md (Node: `npm install webgpu` and a Vulkan driver, e.g. `apt-get install chromium` for SwiftShader; browsers: a WebGPU-enabled browser)';

/** The device limits a model needs, computed from its memory plan and its largest tensors. */
export interface DeviceNeeds {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  /** Bytes of workgroup memory the largest kernel uses. */
  maxComputeWorkgroupStorageSize: number;
}

/** WebGPU's guaranteed minimums: asking for no more than these always succeeds. */
export const DEFAULT_LIMITS: Readonly<DeviceNeeds> = {
  maxStorageBufferBindingSize: 128 << 20,
  maxBufferSize: 256 << 20,
  maxComputeWorkgroupStorageSize: 16384,
};

/** The device was lost (driver reset, destroy, out of memory); create a new Session. */
export class DeviceLostError extends AtrousError {
  constructor(reason: string, message: string) {
    super('BACKEND_UNAVAILABLE', `WebGPU device lost (${reason}): ${message}; create a new Session`);
  }
}

export interface GpuContext {
  device: GPUDevice;
  adapterName: string;
  /** Set once the device is lost; the executor throws it on the next run. */
  lost: DeviceLostError | undefined;
  destroy(): void;
}

interface WebGpuModule {
  create(options: string[]): GPU;
  globals: object;
}

/** Fills in SwiftShader's Vulkan ICD (Debian's chromium ships it) when the caller set nothing. */
async function nodeEnvDefaults(): Promise<void> {
  const env = process.env;
  const fs = await import('node:fs');
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && fs.existsSync(icd)) env.VK_ICD_FILENAMES = icd;
  if (!env.XDG_RUNTIME_DIR) env.XDG_RUNTIME_DIR = '/tmp';
}

let nodeGpu: GPU | undefined;

export async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new BackendUnavailableError('webgpu', `this host has no navigator.gpu; ${HOW_TO}`);
  if (nodeGpu) return nodeGpu;
  await nodeEnvDefaults();
  let mod: WebGpuModule;
  try {
    // A variable specifier keeps bundlers from resolving the optional package.
    const name = 'webgpu';
    mod = (await import(name)) as WebGpuModule;
  } catch (e) {
    throw new BackendUnavailableError(
      'webgpu',
      `the optional 'webgpu' package could not be loaded (${(e as Error).message}); install it with \`npm install webgpu\`; ${HOW_TO}`,
    );
  }
  Object.assign(globalThis, mod.globals);
  nodeGpu = mod.create(['disable-dawn-features=timestamp_quantization']);
  return nodeGpu;
}

/**
 * Requests an adapter and a device with the limits `needs` (never below WebGPU's defaults) and
 * those of `features` the adapter has (read `device.features` to see which were granted).
 */
export async function acquireDevice(
  needs: Partial<DeviceNeeds> = {},
  features: readonly GPUFeatureName[] = [],
): Promise<GpuContext> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new BackendUnavailableError('webgpu', `no WebGPU adapter was found; ${HOW_TO}`);
  }
  const info = adapter.info;
  const adapterName =
    [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  const requiredLimits: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof DeviceNeeds)[]) {
    const want = Math.max(needs[key] ?? 0, DEFAULT_LIMITS[key]);
    const has = adapter.limits[key];
    if (want > has) {
      throw new BackendUnavailableError(
        'webgpu',
        `the model needs ${key} = ${want} bytes but adapter '${adapterName}' offers at most ${has}; use a smaller input or --backend wasm`,
      );
    }
    requiredLimits[key] = want;
  }
  const requiredFeatures = features.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'atrous' });
  const ctx: GpuContext = {
    device,
    adapterName,
    lost: undefined,
    destroy() {
      device.destroy();
    },
  };
  device.lost.then((l) => {
    if (l.reason !== 'destroyed') ctx.lost = new DeviceLostError(String(l.reason), l.message);
    else ctx.lost ??= new DeviceLostError('destroyed', 'the device was destroyed (session released)');
  });
  return ctx;
}
