import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { decodePng } from '../../src/io/image.js';
import { type PersonMask, segmentPerson } from '../../src/zoo/selfie.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason, loadPlaywright } from '../helpers/chromium.js';
import { writeFakeCameraY4m } from './fake-camera.js';

/**
 * The demo page (examples/web) built with Vite from the built package, served locally and opened
 * in headless Chromium (Debian's /usr/bin/chromium via playwright-core; WebGPU on SwiftShader):
 * on ?backend=webgpu and ?backend=wasm the bundled photo's person mask must match the same model
 * run in this process (ref backend), and Chromium's fake camera (a video of the same photo)
 * drives the per-frame loop.
 * Screenshots go to test-output/ (ATROUS_UPDATE_DOCS=1 also writes docs/web-demo.png).
 */
const ARGS = [
  ...CHROMIUM_ARGS,
  // A fake camera (playing the .y4m written in beforeAll) and an auto-accepted permission prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];
const CONFIG = resolve('examples/web/vite.config.ts');
const OUT = resolve('test-output');

const playwright = await loadPlaywright();
const skip = chromiumSkipReason(playwright, {
  'dist/index.js': 'npm run build',
  'build/atrous.wasm': 'npm run build',
});
if (skip) console.warn(`web demo test skipped: ${skip}`);

/** What the page exposes on window.__atrousDemo (examples/web/src/main.ts), as read back here. */
interface PageState {
  ready: boolean;
  backend: string;
  chosenBy: string;
  adapter: string;
  error: string | undefined;
  maskWidth: number;
  maskHeight: number;
  latencyMs: number;
  confidence: number[];
  mask: number[];
}

interface Frame {
  inferenceMs: number;
  effectsMs: number;
  roundTripMs: number;
  width: number;
  height: number;
  person: number;
}

declare global {
  interface Window {
    __atrousDemo: {
      ready: boolean;
      error: string | undefined;
      backend: string | undefined;
      chosenBy: string;
      adapter: string;
      maskWidth: number;
      maskHeight: number;
      latencyMs: number;
      confidence: Float32Array | undefined;
      mask: Uint8Array | undefined;
      frames: Frame[];
    };
  }
}

let outDir = '';
let videoDir = '';
let origin = '';
let server: { close(): Promise<void> } | undefined;
let reference: PersonMask;

beforeAll(async () => {
  if (skip) return;
  const vite = await import('vite');
  outDir = mkdtempSync(join(tmpdir(), 'atrous-web-'));
  await vite.build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const preview = await vite.preview({
    configFile: CONFIG,
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  server = preview;
  origin = (preview.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
  // The oracle: the same model on the same photo in Node, on the plain-TypeScript backend.
  const session = await Session.create(new Uint8Array(readFileSync('assets/selfie_segmentation.tflite')));
  reference = await segmentPerson(session, decodePng(new Uint8Array(readFileSync('assets/astronaut.png'))));
  session.release();
  mkdirSync(OUT, { recursive: true });
  videoDir = mkdtempSync(join(tmpdir(), 'atrous-camera-'));
  const photo = decodePng(new Uint8Array(readFileSync('assets/astronaut.png')));
  writeFakeCameraY4m(join(videoDir, 'camera.y4m'), photo);
  ARGS.push(`--use-file-for-fake-video-capture=${join(videoDir, 'camera.y4m')}`);
}, 300_000);

afterAll(async () => {
  await server?.close();
  for (const dir of [outDir, videoDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

function agreement(page: PageState, ref: PersonMask) {
  let inter = 0;
  let union = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < ref.confidence.length; i++) {
    const a = page.confidence[i] as number;
    const b = ref.confidence[i] as number;
    const d = Math.abs(a - b);
    sum += d;
    max = Math.max(max, d);
    if (a >= 0.5 && b >= 0.5) inter++;
    if (a >= 0.5 || b >= 0.5) union++;
  }
  return { iou: union === 0 ? 1 : inter / union, meanAbs: sum / ref.confidence.length, maxAbs: max };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe.skipIf(skip !== undefined)('web demo (examples/web) in headless Chromium', () => {
  const latency: Record<string, unknown> = {};

  for (const backend of ['webgpu', 'wasm'] as const) {
    it(`?backend=${backend}: the photo's mask matches Node, and the camera loop runs`, async () => {
      const browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1160, height: 1100 } });
        // Main-thread tasks over 50 ms (reported, not asserted: inference runs in the worker).
        await page.addInitScript(() => {
          const w = window as unknown as { __longTasks: number[] };
          w.__longTasks = [];
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) w.__longTasks.push(e.duration);
          }).observe({ type: 'longtask', buffered: true });
        });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${origin}/?backend=${backend}`);
        await page.waitForFunction(() => window.__atrousDemo?.ready || window.__atrousDemo?.error, null, {
          timeout: 240_000,
        });
        const got = (await page.evaluate(() => {
          const s = window.__atrousDemo;
          return {
            ...s,
            frames: undefined,
            confidence: Array.from(s.confidence ?? []),
            mask: Array.from(s.mask ?? []),
          };
        })) as PageState;
        expect(got.error).toBeUndefined();
        expect(errors).toEqual([]);
        expect(got.backend).toBe(backend);
        expect(got.chosenBy).toBe('url');
        if (backend === 'webgpu') expect(got.adapter).toMatch(/swiftshader|google/i);
        expect([got.maskWidth, got.maskHeight]).toEqual([reference.width, reference.height]);
        expect(got.mask.every((v, i) => v === ((got.confidence[i] as number) >= 0.5 ? 1 : 0))).toBe(true);
        const a = agreement(got, reference);
        console.log(
          `web demo ${backend}: IoU ${a.iou.toFixed(5)}, mean |Δ| ${a.meanAbs.toExponential(2)}, max |Δ| ${a.maxAbs.toExponential(2)} vs Node ref`,
        );
        expect(a.iou).toBeGreaterThanOrEqual(0.99);
        expect(a.meanAbs).toBeLessThan(1e-3);

        // The three photo canvases were drawn at the photo's size.
        const sizes = await page.$$eval('figure canvas', (cs) =>
          (cs as HTMLCanvasElement[]).map((c) => [c.width, c.height]),
        );
        expect(sizes).toEqual([
          [512, 512],
          [512, 512],
          [512, 512],
        ]);

        // Chromium's fake camera: a few frames through the worker, per-frame latency from the page.
        const before = (await page.evaluate('window.__longTasks.length')) as number;
        await page.click('#camera');
        await page.waitForFunction(
          () => window.__atrousDemo.frames.length >= 6 || window.__atrousDemo.error,
          null,
          {
            timeout: 240_000,
          },
        );
        const frames = (await page.evaluate(() => window.__atrousDemo.frames)) as Frame[];
        expect(frames.length).toBeGreaterThanOrEqual(6);
        expect(frames.every((f) => f.width === 640 && f.height === 480 && f.inferenceMs > 0)).toBe(true);
        // The video shows the astronaut (≈41% of a frame is person in the photo's own mask).
        expect(frames.every((f) => f.person > 0.25 && f.person < 0.6)).toBe(true);
        const longTasks = ((await page.evaluate('window.__longTasks')) as number[]).slice(before);
        const steady = frames.slice(1);
        latency[backend] = {
          photoInferenceMs: Math.round(got.latencyMs),
          frame: `${frames[0]?.width}x${frames[0]?.height}`,
          frames: steady.length,
          medianInferenceMs: Math.round(median(steady.map((f) => f.inferenceMs))),
          medianEffectsMs: Math.round(median(steady.map((f) => f.effectsMs))),
          medianRoundTripMs: Math.round(median(steady.map((f) => f.roundTripMs))),
          mainThreadLongTasksOver50Ms: longTasks.length,
          longestMainThreadTaskMs: Math.round(Math.max(0, ...longTasks)),
          adapter: got.adapter,
        };
        console.log(`web demo ${backend} latency: ${JSON.stringify(latency[backend])}`);

        const shot = join(OUT, `web-demo-${backend}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        writeFileSync(join(OUT, 'web-demo-latency.json'), `${JSON.stringify(latency, null, 2)}\n`);
      } finally {
        await browser.close();
      }
    }, 400_000);
  }

  // The README's screenshot (docs/web-demo.png): opt-in, since it rewrites a tracked file.
  it.runIf(process.env.ATROUS_UPDATE_DOCS === '1')(
    'writes docs/web-demo.png',
    async () => {
      const browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      try {
        // A device scale below 1 keeps the PNG small enough to commit (about 750 px wide).
        const context = await browser.newContext({
          viewport: { width: 1160, height: 1100 },
          deviceScaleFactor: 0.65,
        });
        const page = await context.newPage();
        await page.goto(`${origin}/?backend=webgpu`);
        await page.waitForFunction(() => window.__atrousDemo?.ready, null, { timeout: 240_000 });
        await page.click('#camera');
        await page.waitForFunction(() => window.__atrousDemo.frames.length >= 3, null, { timeout: 240_000 });
        mkdirSync('docs', { recursive: true });
        await page.screenshot({ path: 'docs/web-demo.png', fullPage: true });
      } finally {
        await browser.close();
      }
    },
    400_000,
  );

  it('without ?backend= it picks WebGPU when navigator.gpu gives an adapter; the selector switches', async () => {
    const browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => window.__atrousDemo?.backend !== undefined, null, { timeout: 60_000 });
      const got = await page.evaluate(() => [window.__atrousDemo.backend, window.__atrousDemo.chosenBy]);
      expect(got).toEqual(['webgpu', 'auto']);
      expect(await page.locator('#status').textContent()).toMatch(/WebGPU picked automatically/);
      // Switching to WASM restarts the worker on the new backend and reruns the photo.
      await page.selectOption('#backend', 'wasm');
      await page.waitForFunction(
        () => window.__atrousDemo.ready && window.__atrousDemo.backend === 'wasm',
        null,
        { timeout: 240_000 },
      );
      const after = await page.evaluate(() => [window.__atrousDemo.chosenBy, window.__atrousDemo.error]);
      expect(after).toEqual(['user', undefined]);
      expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
      expect(await page.locator('#status').textContent()).toMatch(/running on WASM/);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
