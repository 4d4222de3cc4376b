/**
 * `npm run demo`: builds the package when dist/ or build/atrous.wasm is missing or older than its
 * sources, builds the page (examples/web/dist) and serves it on localhost.
 * `npm run demo:build` (this script with --build-only) stops after the build.
 * PORT=8080 npm run demo picks the port (default 4173, the next free one if taken).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const configFile = join(repo, 'examples/web/vite.config.ts');

/** Newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const bundle = join(repo, 'dist/index.js');
const wasm = join(repo, 'build/atrous.wasm');
const stale =
  mtime(bundle) < newest(join(repo, 'src')) || mtime(wasm) < newest(join(repo, 'assembly')) || !mtime(wasm);
if (stale) {
  console.log('atrous: building the package first (npm run build)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

console.log('atrous: building the page (vite build examples/web)…');
await build({ configFile });
if (process.argv.includes('--build-only')) {
  console.log(`atrous: page built in ${join(repo, 'examples/web/dist')}`);
} else {
  const server = await preview({
    configFile,
    preview: { host: 'localhost', port: Number(process.env.PORT ?? 4173), open: false },
  });
  // The config's logLevel is 'warn' (quiet builds), so print the address ourselves.
  for (const url of server.resolvedUrls?.local ?? []) console.log(`atrous demo: ${url}`);
  console.log('Open it in a browser with WebGPU (WASM otherwise); Ctrl+C stops the server.');
}
