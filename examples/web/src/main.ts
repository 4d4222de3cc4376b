/**
 * The page: picks a backend, starts the inference worker, shows the bundled photo's mask overlay
 * and portrait blur, and runs the camera (or a video file) frame by frame. All inference runs in
 * the worker; this thread only moves pixels to canvases.
 */
import type { BackendChoice, Reply, Request, Rgba, Timing } from './protocol.js';

/** What tests read (test/hosts/web-demo.test.ts). */
interface DemoState {
  ready: boolean;
  backend: BackendChoice | undefined;
  /** Why this backend: 'url' (?backend=), 'auto' (adapter probe) or 'user' (the selector). */
  chosenBy: string;
  adapter: string;
  loadMs: number;
  /** Photo result (at the photo's size, as segmentPerson returns it): 1 where confidence ≥ 0.5. */
  mask: Uint8Array | undefined;
  confidence: Float32Array | undefined;
  maskWidth: number;
  maskHeight: number;
  /** segmentPerson time of the last photo run, in the worker. */
  latencyMs: number | undefined;
  /** Per-frame times of the camera/video loop (most recent last, at most 100). */
  frames: {
    inferenceMs: number;
    effectsMs: number;
    roundTripMs: number;
    width: number;
    height: number;
    /** Fraction of the frame's pixels with person confidence ≥ 0.5. */
    person: number;
  }[];
  error: string | undefined;
}

declare global {
  interface Window {
    __atrousDemo: DemoState;
  }
}

const state: DemoState = {
  ready: false,
  backend: undefined,
  chosenBy: '',
  adapter: '',
  loadMs: 0,
  mask: undefined,
  confidence: undefined,
  maskWidth: 0,
  maskHeight: 0,
  latencyMs: undefined,
  frames: [],
  error: undefined,
};
window.__atrousDemo = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const select = $<HTMLSelectElement>('backend');
const statusLine = $<HTMLSpanElement>('status');
const photoInfo = $<HTMLParagraphElement>('photo-info');
const videoInfo = $<HTMLParagraphElement>('video-info');
const video = $<HTMLVideoElement>('video');
const videoOut = $<HTMLCanvasElement>('video-out');

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
let onReady: ((r: Reply) => void) | undefined;

function send(req: Request, transfer: Transferable[] = []): Promise<Reply> {
  if (!worker) throw new Error('no worker');
  const id = 'id' in req ? req.id : 0;
  const reply = new Promise<Reply>((resolve, reject) => {
    if (req.type === 'init') onReady = resolve;
    else pending.set(id, { resolve, reject });
  });
  worker.postMessage(req, transfer);
  return reply;
}

function fail(message: string): void {
  state.error = message;
  statusLine.textContent = `error: ${message}`;
  statusLine.className = 'error';
}

function startWorker(): void {
  worker?.terminate();
  for (const p of pending.values()) p.reject(new Error('worker restarted'));
  pending.clear();
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<Reply>) => {
    const r = event.data;
    if (r.type === 'ready' || (r.type === 'error' && r.id === undefined)) {
      onReady?.(r);
      onReady = undefined;
      return;
    }
    const p = pending.get(r.id as number);
    pending.delete(r.id as number);
    if (r.type === 'error') p?.reject(new Error(r.message));
    else p?.resolve(r);
  };
  worker.onerror = (e) => fail(`worker: ${e.message}`);
}

function draw(canvas: HTMLCanvasElement, img: Rgba): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')?.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const timingText = (t: Timing) => `inference ${ms(t.inferenceMs)} · effects ${ms(t.effectsMs)}`;

async function runPhoto(source: { url?: string; bytes?: ArrayBuffer }): Promise<void> {
  photoInfo.textContent = 'segmenting…';
  const t0 = performance.now();
  const r = await send({ type: 'photo', id: nextId++, ...source }, source.bytes ? [source.bytes] : []);
  if (r.type !== 'photo') return;
  draw($('photo-original'), r.original);
  draw($('photo-overlay'), r.overlay);
  draw($('photo-blur'), r.blurred);
  const conf = r.mask.confidence;
  state.confidence = conf;
  state.mask = Uint8Array.from(conf, (c) => (c >= 0.5 ? 1 : 0));
  state.maskWidth = r.mask.width;
  state.maskHeight = r.mask.height;
  state.latencyMs = r.timing.inferenceMs;
  photoInfo.textContent = `${r.original.width}×${r.original.height} photo, mask ${r.mask.width}×${r.mask.height}: ${timingText(r.timing)} · round trip ${ms(performance.now() - t0)}`;
}

async function probeWebGpu(): Promise<string | undefined> {
  if (!('gpu' in navigator)) return 'navigator.gpu is missing';
  try {
    return (await navigator.gpu.requestAdapter()) ? undefined : 'navigator.gpu gave no adapter';
  } catch (e) {
    return `requestAdapter failed (${(e as Error).message})`;
  }
}

/** Bumped by every start(): a start whose worker was replaced meanwhile stops quietly. */
let generation = 0;

async function start(backend: BackendChoice, why: string): Promise<void> {
  const gen = ++generation;
  state.ready = false;
  state.error = undefined;
  state.backend = backend;
  select.value = backend;
  statusLine.className = '';
  statusLine.textContent = `loading the selfie model on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'} — ${why}…`;
  startWorker();
  const r = await send({ type: 'init', backend, base: document.baseURI });
  if (gen !== generation) return;
  if (r.type === 'error' && backend === 'webgpu' && state.chosenBy === 'auto') {
    // An adapter that cannot run the model (limits, lost device): WASM runs everywhere.
    return start('wasm', `WASM picked automatically: WebGPU failed (${r.message})`);
  }
  if (r.type === 'error') return fail(r.message);
  if (r.type !== 'ready') return;
  state.adapter = r.adapter;
  state.loadMs = r.loadMs;
  statusLine.textContent = `running on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'} (${r.adapter}) — ${why}; model ${r.model} loaded in ${ms(r.loadMs)}`;
  try {
    await runPhoto({ url: 'astronaut.png' });
    if (gen === generation) state.ready = true;
  } catch (e) {
    if (gen === generation) fail((e as Error).message);
  }
}

// --- camera / video: one frame in flight at a time; frames that arrive meanwhile are skipped.
let running = false;
let stream: MediaStream | undefined;

async function frameLoop(): Promise<void> {
  while (running) {
    if (video.readyState < 2 || video.videoWidth === 0 || !state.backend) {
      await new Promise((ok) => setTimeout(ok, 50));
      continue;
    }
    const scale = Math.min(1, 640 / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    const t0 = performance.now();
    const bitmap = await createImageBitmap(video, { resizeWidth: width, resizeHeight: height });
    const effect = ($<HTMLInputElement>('effect-blur').checked ? 'blur' : 'overlay') as 'blur' | 'overlay';
    let r: Reply;
    try {
      r = await send({ type: 'frame', id: nextId++, frame: bitmap, effect }, [bitmap]);
    } catch (e) {
      // The worker restarts when the backend changes: keep going with the new one.
      if ((e as Error).message === 'worker restarted') continue;
      videoInfo.textContent = `error: ${(e as Error).message}`;
      running = false;
      break;
    }
    if (r.type !== 'frame') continue;
    if (videoOut.width !== r.output.width || videoOut.height !== r.output.height) {
      videoOut.width = r.output.width;
      videoOut.height = r.output.height;
    }
    videoOut.getContext('bitmaprenderer')?.transferFromImageBitmap(r.output);
    const roundTripMs = performance.now() - t0;
    state.frames.push({ ...r.timing, roundTripMs, width, height, person: r.person });
    if (state.frames.length > 100) state.frames.shift();
    const recent = state.frames.slice(-20);
    const fps = 1000 / (recent.reduce((s, f) => s + f.roundTripMs, 0) / recent.length);
    videoInfo.textContent = `frame ${width}×${height}: ${timingText(r.timing)} · round trip ${ms(roundTripMs)} · ${fps.toFixed(1)} frames/s`;
    await new Promise((ok) => requestAnimationFrame(ok));
  }
}

function play(source: MediaStream | string): void {
  stopVideo();
  if (typeof source === 'string') {
    video.src = source;
    video.loop = true;
  } else {
    stream = source;
    video.srcObject = source;
  }
  video.play().catch((e: Error) => {
    videoInfo.textContent = `cannot play: ${e.message}`;
  });
  running = true;
  void frameLoop();
}

function stopVideo(): void {
  running = false;
  for (const t of stream?.getTracks() ?? []) t.stop();
  stream = undefined;
  video.pause();
  video.removeAttribute('src');
  video.srcObject = null;
}

$('camera').addEventListener('click', async () => {
  try {
    play(await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }));
    videoInfo.textContent = 'camera on; waiting for frames…';
  } catch (e) {
    videoInfo.textContent = `no camera: ${(e as Error).message}`;
  }
});
$<HTMLInputElement>('video-file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) play(URL.createObjectURL(file));
});
$('stop').addEventListener('click', stopVideo);
$<HTMLInputElement>('photo-file').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  try {
    await runPhoto({ bytes: await file.arrayBuffer() });
  } catch (err) {
    photoInfo.textContent = `error: ${(err as Error).message}`;
  }
});
select.addEventListener('change', () => {
  const backend = select.value as BackendChoice;
  state.chosenBy = 'user';
  const url = new URL(location.href);
  url.searchParams.set('backend', backend);
  history.replaceState(null, '', url);
  void start(backend, 'chosen by you');
});

// Backend: ?backend=wasm|webgpu, else WebGPU when navigator.gpu gives an adapter, else WASM.
const asked = new URLSearchParams(location.search).get('backend');
if (asked === 'wasm' || asked === 'webgpu') {
  state.chosenBy = 'url';
  void start(asked, `chosen by ?backend=${asked}`);
} else {
  const noGpu = await probeWebGpu();
  const ignored = asked ? ` (?backend=${asked} ignored: use wasm or webgpu)` : '';
  state.chosenBy = 'auto';
  void start(
    noGpu ? 'wasm' : 'webgpu',
    (noGpu
      ? `WASM picked automatically: ${noGpu}`
      : 'WebGPU picked automatically: navigator.gpu gave an adapter') + ignored,
  );
}
