/**
 * The inference worker: owns the atrous Session so that model loading, inference and the
 * portrait effects never block the page. The model and atrous.wasm are fetched from the local
 * server (the build copies them from assets/ and build/); nothing comes from a CDN.
 */
import {
  blurBackground,
  decodeImage,
  personOverlay,
  type RgbImage,
  SELFIE_MODELS,
  Session,
  segmentPerson,
  setAtrousWasmBytes,
} from 'atrous';
import type { BackendChoice, Reply, Request, Rgba } from './protocol.js';

/** This worker's global scope (the DOM lib types `self` as a Window). */
declare const self: {
  location: Location;
  postMessage(message: Reply, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};

/** The page's URL: the model, wasm and photo sit next to index.html (set by 'init'). */
let base = self.location.href;
let session: Session | undefined;

function post(reply: Reply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer);
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const url = new URL(path, base);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url.pathname} failed: ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function adapterName(backend: BackendChoice): Promise<string> {
  if (backend !== 'webgpu') return 'WebAssembly SIMD (CPU)';
  const adapter = await navigator.gpu?.requestAdapter();
  const info = adapter?.info;
  return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
}

async function init(backend: BackendChoice, pageUrl: string): Promise<void> {
  base = pageUrl;
  const t0 = performance.now();
  session?.release();
  session = undefined;
  const file = SELFIE_MODELS.general.file;
  const [model, wasm] = await Promise.all([fetchBytes(`models/${file}`), fetchBytes('atrous.wasm')]);
  setAtrousWasmBytes(wasm);
  session = await Session.create(model, { backend });
  // One warm-up run compiles the pipelines / kernels, so the first shown latency is a real one.
  await segmentPerson(session, { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) });
  post({
    type: 'ready',
    backend,
    adapter: await adapterName(backend),
    loadMs: performance.now() - t0,
    model: file,
  });
}

function toRgba(img: RgbImage): Rgba {
  const n = img.width * img.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    data[4 * p] = img.data[3 * p] as number;
    data[4 * p + 1] = img.data[3 * p + 1] as number;
    data[4 * p + 2] = img.data[3 * p + 2] as number;
    data[4 * p + 3] = 255;
  }
  return { width: img.width, height: img.height, data };
}

let canvas: OffscreenCanvas | undefined;
let outCanvas: OffscreenCanvas | undefined;

/** The frame as an ImageBitmap (transferred to the page without a copy). */
function toBitmap(img: Rgba): ImageBitmap {
  if (!outCanvas || outCanvas.width !== img.width || outCanvas.height !== img.height) {
    outCanvas = new OffscreenCanvas(img.width, img.height);
  }
  const ctx = outCanvas.getContext('2d');
  if (!ctx) throw new Error('no 2D context on OffscreenCanvas');
  ctx.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  return outCanvas.transferToImageBitmap();
}

/** The frame's RGB pixels (drawn on an OffscreenCanvas here, so the page never reads pixels). */
function fromBitmap(frame: ImageBitmap): RgbImage {
  const { width, height } = frame;
  if (!canvas || canvas.width !== width || canvas.height !== height)
    canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D context on OffscreenCanvas');
  ctx.drawImage(frame, 0, 0);
  frame.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    data[3 * p] = rgba[4 * p] as number;
    data[3 * p + 1] = rgba[4 * p + 1] as number;
    data[3 * p + 2] = rgba[4 * p + 2] as number;
  }
  return { width, height, data };
}

function ready(): Session {
  if (!session) throw new Error('the model is not loaded yet');
  return session;
}

async function photo(id: number, url: string | undefined, bytes: ArrayBuffer | undefined): Promise<void> {
  const image = decodeImage(bytes ? new Uint8Array(bytes) : await fetchBytes(url ?? 'astronaut.png'));
  const t0 = performance.now();
  const mask = await segmentPerson(ready(), image);
  const t1 = performance.now();
  const overlay = toRgba(personOverlay(image, mask, { color: [0, 200, 255], alpha: 0.55 }));
  const blurred = toRgba(blurBackground(image, mask));
  const t2 = performance.now();
  const confidence = Float32Array.from(mask.confidence);
  const original = toRgba(image);
  post(
    {
      type: 'photo',
      id,
      original,
      overlay,
      blurred,
      mask: { width: mask.width, height: mask.height, confidence },
      timing: { inferenceMs: t1 - t0, effectsMs: t2 - t1 },
    },
    [original.data.buffer, overlay.data.buffer, blurred.data.buffer, confidence.buffer],
  );
}

async function frame(id: number, input: ImageBitmap, effect: 'blur' | 'overlay'): Promise<void> {
  const image = fromBitmap(input);
  const t0 = performance.now();
  const mask = await segmentPerson(ready(), image);
  const t1 = performance.now();
  const out =
    effect === 'blur' ? blurBackground(image, mask) : personOverlay(image, mask, { color: [0, 200, 255] });
  const output = toBitmap(toRgba(out));
  const effectsMs = performance.now() - t1;
  let person = 0;
  for (const c of mask.confidence) if (c >= 0.5) person++;
  person /= mask.confidence.length;
  post({ type: 'frame', id, output, person, timing: { inferenceMs: t1 - t0, effectsMs } }, [output]);
}

// Requests are handled one at a time, in order (the page sends a new frame only after a reply).
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<Request>) => {
  const req = event.data;
  queue = queue.then(async () => {
    try {
      if (req.type === 'init') await init(req.backend, req.base);
      else if (req.type === 'photo') await photo(req.id, req.url, req.bytes);
      else await frame(req.id, req.frame, req.effect);
    } catch (e) {
      // atrous errors carry a code (class names are minified in the bundle).
      const code = (e as { code?: unknown }).code;
      const message =
        e instanceof Error ? (typeof code === 'string' ? `${code}: ${e.message}` : e.message) : String(e);
      post({ type: 'error', id: req.type === 'init' ? undefined : req.id, message });
    }
  });
};
