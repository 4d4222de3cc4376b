import { defineConfig } from 'tsup';
import { wgslRaw } from './scripts/esbuild-wgsl.js';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    'cli/main': 'src/cli/main.ts',
    // Threaded WASM sessions start workers from this file (loaded by URL, so it must be its own file).
    'wasm-worker': 'src/engine/backends/wasm/worker.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', node: 'src/node.ts' } },
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  splitting: true,
  external: ['node:*'],
  // kernels/*.wgsl go into the bundle as text (src/engine/backends/webgpu/embedded-wgsl.ts).
  esbuildPlugins: [wgslRaw],
});
