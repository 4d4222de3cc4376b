#!/usr/bin/env node
// The independent oracle for atrous's selfie pipeline: MediaPipe's own selfie segmentation solution
// (@mediapipe/selfie_segmentation, its WASM + WebGL build) in headless Debian Chromium.
//
//   node scripts/mediapipe-oracle.mjs            writes test/fixtures/mediapipe/<photo>.png + README.md
//
// The photos are decoded here (fast-png) and handed to the page as raw RGBA through a canvas, so the
// browser's colour management (the PNGs carry iCCP profiles) cannot change the pixels MediaPipe sees.
// test/hosts/mediapipe-live.test.ts imports runMediapipeOracle() to re-run the oracle in CI.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from 'fast-png';

export const CHROMIUM = '/usr/bin/chromium';
export const PHOTOS = ['astronaut', 'chelsea', 'coffee', 'astronaut-crop'];
const PACKAGE = 'node_modules/@mediapipe/selfie_segmentation';

/**
 * WebGL in headless Chromium without a GPU: ANGLE on SwiftShader (a CPU Vulkan). Chromium 12x+
 * refuses the software fallback unless --enable-unsafe-swiftshader is given.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const PAGE = `<!doctype html><title>mediapipe oracle</title>
<script src="/${PACKAGE}/selfie_segmentation.js" crossorigin="anonymous"></script>`;

/** Serves the page and the package's files (only those) on 127.0.0.1. */
async function startServer(root) {
  const base = resolve(root, PACKAGE);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    const path = normalize(join(resolve(root), decodeURIComponent(url)));
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else if (path.startsWith(`${base}/`) && statSync(path, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(readFileSync(path));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Runs in the page: one SelfieSegmentation, every photo sent as a canvas, masks read back. */
const PAGE_SCRIPT = `(async ({ packagePath, photos, options }) => {
  const seg = new SelfieSegmentation({ locateFile: (f) => packagePath + '/' + f });
  seg.setOptions(options);
  let latest;
  seg.onResults((r) => { latest = r; });
  await seg.initialize();
  const out = [];
  for (const p of photos) {
    const src = document.createElement('canvas');
    src.width = p.width;
    src.height = p.height;
    const rgba = new Uint8ClampedArray(p.width * p.height * 4);
    for (let i = 0; i < p.width * p.height; i++) {
      rgba[4 * i] = p.rgb[3 * i]; rgba[4 * i + 1] = p.rgb[3 * i + 1]; rgba[4 * i + 2] = p.rgb[3 * i + 2];
      rgba[4 * i + 3] = 255;
    }
    src.getContext('2d').putImageData(new ImageData(rgba, p.width, p.height), 0, 0);
    latest = undefined;
    await seg.send({ image: src });
    if (!latest) throw new Error('MediaPipe gave no results for ' + p.name);
    const mask = latest.segmentationMask;
    const dst = document.createElement('canvas');
    dst.width = p.width;
    dst.height = p.height;
    const ctx = dst.getContext('2d');
    ctx.drawImage(mask, 0, 0, p.width, p.height);
    const px = ctx.getImageData(0, 0, p.width, p.height).data;
    const r = new Array(p.width * p.height), a = new Array(p.width * p.height);
    for (let i = 0; i < p.width * p.height; i++) { r[i] = px[4 * i]; a[i] = px[4 * i + 3]; }
    out.push({ name: p.name, width: p.width, height: p.height, maskWidth: mask.width, maskHeight: mask.height, r, a });
  }
  await seg.close();
  const gl = document.createElement('canvas').getContext('webgl2');
  const dbg = gl && gl.getExtension('WEBGL_debug_renderer_info');
  return { results: out, renderer: dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : String(gl && gl.getParameter(gl.RENDERER)), userAgent: navigator.userAgent };
})`;

/**
 * Extra inputs cut from the bundled photos: smaller than the model input in both directions, so
 * MediaPipe's ImageToTensor upsamples (edge handling) instead of downsampling.
 */
export const CROPS = { 'astronaut-crop': { from: 'astronaut', x: 120, y: 0, width: 240, height: 200 } };

/** A bundled photo (assets/<name>.png, 8-bit RGB(A)) or a crop of one, as { name, width, height, rgb }. */
export function loadPhoto(root, name) {
  const crop = CROPS[name];
  const file = join(root, 'assets', `${crop ? crop.from : name}.png`);
  const png = decode(readFileSync(file));
  if (png.depth !== 8 || png.channels < 3) throw new Error(`${file} is not 8-bit RGB(A)`);
  const { x = 0, y = 0, width = png.width, height = png.height } = crop ?? {};
  const rgb = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const src = ((y + r) * png.width + x + c) * png.channels;
      for (let k = 0; k < 3; k++) rgb[(r * width + c) * 3 + k] = png.data[src + k];
    }
  }
  return { name, width, height, rgb };
}

/**
 * Runs MediaPipe on the photos; returns per photo the confidence map as 8-bit values (the mask's
 * alpha channel: TensorsToSegmentation writes the confidence to R and A; R is unreliable after the
 * canvas premultiplies), plus the renderer and Chromium's user agent.
 */
export async function runMediapipeOracle({
  root = '.',
  photos = PHOTOS,
  chromium = CHROMIUM,
  args = CHROMIUM_ARGS,
  options = { modelSelection: 0, selfieMode: false },
} = {}) {
  const { chromium: launcher } = await import('playwright-core');
  const { server, origin } = await startServer(root);
  const browser = await launcher.launch({ executablePath: chromium, args });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/`);
    const input = photos.map((name) => {
      const p = loadPhoto(root, name);
      return { ...p, rgb: Array.from(p.rgb) };
    });
    const got = await page.evaluate(
      `${PAGE_SCRIPT}(${JSON.stringify({ packagePath: `/${PACKAGE}`, photos: input, options })})`,
    );
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    const version = JSON.parse(readFileSync(join(root, PACKAGE, 'package.json'), 'utf8')).version;
    return {
      version,
      browserVersion: browser.version(),
      renderer: got.renderer,
      userAgent: got.userAgent,
      results: got.results.map((r) => ({ ...r, r: Uint8Array.from(r.r), a: Uint8Array.from(r.a) })),
    };
  } finally {
    await browser.close();
    server.close();
  }
}

/** Fixture file of a photo's mask: <photo>.png (general model) or <photo>.landscape.png. */
export function fixtureName(photo, modelSelection) {
  return modelSelection === 1 ? `${photo}.landscape.png` : `${photo}.png`;
}

async function main() {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const dir = join(root, 'test/fixtures/mediapipe');
  for (const modelSelection of [0, 1]) {
    const run = await runMediapipeOracle({ root, options: { modelSelection, selfieMode: false } });
    for (const r of run.results) {
      const png = encode({ width: r.width, height: r.height, data: r.a, channels: 1, depth: 8 });
      writeFileSync(join(dir, fixtureName(r.name, modelSelection)), png);
      const fg = r.a.reduce((s, v) => s + (v >= 128 ? 1 : 0), 0) / r.a.length;
      const size = `${r.width}x${r.height} (mask ${r.maskWidth}x${r.maskHeight})`;
      console.log(`${fixtureName(r.name, modelSelection)}: ${size}, foreground ${(100 * fg).toFixed(2)}%`);
    }
    console.log(`MediaPipe ${run.version}, Chromium ${run.browserVersion}, renderer ${run.renderer}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
