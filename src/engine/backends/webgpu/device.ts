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
  /** The adapter runs shaders on the CPU (SwiftShader, lavapipe, WARP): kernels prefer few, fat invocations. */
  software: boolean;
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

/** Software rasterizers that expose WebGPU: correct, but shaders run on the CPU. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i;

/** Whether `info` describes a software adapter (by its fallback flag or its name). */
export function isSoftwareAdapter(info: GPUAdapterInfo | undefined): boolean {
  if (!info) return false;
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || SOFTWARE_ADAPTER.test(name);
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

/** How long a device nobody holds is kept for the next session before it is destroyed. */
const IDLE_MS = 3000;

/** A device shared by the sessions (and CRF, metrics) that fit in its limits and features. */
interface SharedDevice {
  device: GPUDevice;
  adapterName: string;
  software: boolean;
  /** The features the adapter offers (a request for one it lacks can still share this device). */
  adapterFeatures: ReadonlySet<string>;
  refs: number;
  lost: DeviceLostError | undefined;
  idle: ReturnType<typeof setTimeout> | undefined;
}

let current: SharedDevice | undefined;

/** The shared device while one is alive (held or idle), for work that may start before a session holds it. */
export function liveDevice(): { device: GPUDevice; software: boolean } | undefined {
  return current && !current.lost ? { device: current.device, software: current.software } : undefined;
}

function fits(d: SharedDevice, limits: Record<string, number>, features: readonly GPUFeatureName[]): boolean {
  if (d.lost) return false;
  for (const [key, want] of Object.entries(limits)) {
    if ((d.device.limits as unknown as Record<string, number>)[key] < want) return false;
  }
  return features.every((f) => d.device.features.has(f) || !d.adapterFeatures.has(f));
}

function release(d: SharedDevice): void {
  if (--d.refs > 0) return;
  if (d !== current || d.lost) {
    d.device.destroy();
    return;
  }
  // Kept a while: the next Session.create (a page that re-creates sessions, a bench) skips
  // requestDevice and finds its pipelines compiled. The timer does not keep Node alive.
  d.idle = setTimeout(() => {
    if (d.refs === 0) {
      if (current === d) current = undefined;
      d.device.destroy();
    }
  }, IDLE_MS);
  (d.idle as { unref?: () => void }).unref?.();
}

/** A handle on `d`: destroy() gives this hold back (the device goes when nobody holds it). */
function hold(d: SharedDevice): GpuContext {
  d.refs++;
  if (d.idle) clearTimeout(d.idle);
  d.idle = undefined;
  let held = true;
  return {
    device: d.device,
    adapterName: d.adapterName,
    software: d.software,
    get lost() {
      return d.lost;
    },
    set lost(e: DeviceLostError | undefined) {
      d.lost = e;
    },
    destroy() {
      if (held) release(d);
      held = false;
    },
  };
}

/**
 * Requests an adapter and a device with the limits `needs` (never below WebGPU's defaults) and
 * those of `features` the adapter has (read `device.features` to see which were granted).
 * Devices are shared: while one is alive (held, or idle for up to IDLE_MS) and has the limits and
 * features asked for, it is handed out again, as onnxruntime-web and TensorFlow.js keep one device
 * per page. A lost device is never handed out again.
 */
export async function acquireDevice(
  needs: Partial<DeviceNeeds> = {},
  features: readonly GPUFeatureName[] = [],
): Promise<GpuContext> {
  const requiredLimits: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof DeviceNeeds)[]) {
    requiredLimits[key] = Math.max(needs[key] ?? 0, DEFAULT_LIMITS[key]);
  }
  if (current && fits(current, requiredLimits, features)) return hold(current);
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new BackendUnavailableError('webgpu', `no WebGPU adapter was found; ${HOW_TO}`);
  }
  const info = adapter.info;
  const adapterName =
    [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  for (const [key, want] of Object.entries(requiredLimits)) {
    const has = (adapter.limits as unknown as Record<string, number>)[key] as number;
    if (want > has) {
      throw new BackendUnavailableError(
        'webgpu',
        `the model needs ${key} = ${want} bytes but adapter '${adapterName}' offers at most ${has}; use a smaller input or --backend wasm`,
      );
    }
    // A device that will be shared asks for what the previous one had too.
    const before =
      current && !current.lost ? (current.device.limits as unknown as Record<string, number>)[key] : 0;
    requiredLimits[key] = Math.max(want, Math.min(before ?? 0, has));
  }
  const asked = new Set<GPUFeatureName>(features);
  if (current && !current.lost) for (const f of current.device.features) asked.add(f as GPUFeatureName);
  const requiredFeatures = [...asked].filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'atrous' });
  const shared: SharedDevice = {
    device,
    adapterName,
    software: isSoftwareAdapter(info),
    adapterFeatures: new Set([...adapter.features].map(String)),
    refs: 0,
    lost: undefined,
    idle: undefined,
  };
  device.lost.then((l) => {
    if (l.reason !== 'destroyed') shared.lost = new DeviceLostError(String(l.reason), l.message);
    else shared.lost ??= new DeviceLostError('destroyed', 'the device was destroyed (session released)');
    if (current === shared) current = undefined;
  });
  // The device this replaces goes once its holders release it (and now, if nobody holds it).
  const previous = current;
  current = shared;
  if (previous && previous.refs === 0) {
    if (previous.idle) clearTimeout(previous.idle);
    previous.device.destroy();
  }
  return hold(shared);
}
