import { defineConfig } from 'tsup';
import { wgslRaw } from '../esbuild-wgsl.js';

// The GPU-machine benches that run from sources elsewhere (npx vite-node), bundled for a machine
// that has Node but no node_modules beyond what scripts/device/mkoverlay.sh packs.
export default defineConfig({
  entry: {
    'webgpu-cold': 'bench/webgpu-cold.ts',
    'webgpu-compile': 'bench/webgpu-compile.ts',
    'webgpu-dwpw-bound': 'bench/webgpu-dwpw-bound.ts',
  },
  outDir: 'build/device',
  format: ['esm'],
  target: 'es2022',
  platform: 'node',
  clean: true,
  dts: false,
  sourcemap: false,
  external: ['webgpu', 'onnxruntime-web'],
  esbuildPlugins: [wgslRaw],
});
