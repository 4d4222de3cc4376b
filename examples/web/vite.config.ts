/**
 * Builds the demo page: `npm run demo:build` (→ examples/web/dist), `npm run demo` (build + serve).
 * The page imports the BUILT package (../../dist/index.js, from `npm run build`); its CommonJS
 * dependencies (protobufjs, jpeg-js) are bundled by Vite. The model, the photo and atrous.wasm are
 * copied from the repository (assets/, build/); the WGSL kernels are inside dist/: no network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** Files the page fetches at run time: served path → file in the repository. */
function runtimeFiles(): Map<string, string> {
  const files = new Map<string, string>([
    ['models/selfie_segmentation.tflite', join(repo, 'assets/selfie_segmentation.tflite')],
    ['astronaut.png', join(repo, 'assets/astronaut.png')],
    ['atrous.wasm', join(repo, 'build/atrous.wasm')],
  ]);
  for (const [path, file] of files) {
    if (!existsSync(file)) throw new Error(`${file} is missing (for ${path}): run 'npm run build' first`);
  }
  return files;
}

const TYPES: Record<string, string> = { wasm: 'application/wasm', png: 'image/png' };

/** Copies runtimeFiles() into the build, and serves them in `vite dev`. */
function atrousFiles(): Plugin {
  return {
    name: 'atrous-runtime-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
        const file = runtimeFiles().get(path);
        if (!file) return next();
        res.setHeader('content-type', TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of runtimeFiles()) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
      }
    },
  };
}

if (!existsSync(join(repo, 'dist/index.js'))) {
  throw new Error(`${join(repo, 'dist/index.js')} is missing: run 'npm run build' first`);
}

export default defineConfig({
  root: here,
  // Relative URLs: the built page works from any folder or sub-path.
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: { alias: { atrous: join(repo, 'dist/index.js') } },
  plugins: [atrousFiles()],
  // The worker imports atrous, which loads its backends with dynamic import(): ES module workers.
  worker: { format: 'es', plugins: () => [] },
  build: {
    outDir: join(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    // dist/ has Node-only branches (await import('node:fs')) that never run in a browser.
    rollupOptions: {
      onwarn: (w, warn) => (w.message.includes('externalized for browser') ? undefined : warn(w)),
    },
  },
  server: { fs: { allow: [repo] } },
  preview: { host: '127.0.0.1' },
});
